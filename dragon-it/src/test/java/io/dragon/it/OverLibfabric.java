package io.dragon.it;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a Slurm test class with the nodes' transport agents on libfabric (its tcp provider, the one this machine
 * has): DRAGON_TRANSPORT=ofi in every command's environment. Skips the class where this build or machine cannot
 * use libfabric (Debian's libfabric1, and libfabric-dev at build time, which .ci/run installs).
 */
final class OverLibfabric implements BeforeAllCallback, AfterAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
        SlurmCluster.assumeLibfabric();
        SlurmCluster.ENVIRONMENT.put("DRAGON_TRANSPORT", "ofi");
    }

    @Override
    public void afterAll(ExtensionContext context) {
        SlurmCluster.ENVIRONMENT.remove("DRAGON_TRANSPORT");
    }
}
