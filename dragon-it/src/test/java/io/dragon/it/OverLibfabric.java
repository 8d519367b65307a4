package io.dragon.it;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a Slurm test class with the nodes' transport agents on libfabric (its tcp provider, the one this machine
 * has): DRAGON_TRANSPORT=ofi in every command's environment. Skips the class where this build or machine cannot
 * use libfabric (Debian's libfabric1, and libfabric-dev at build time, which .ci/run installs), and the tests marked
 * {@link AnyTransport}.
 */
final class OverLibfabric implements BeforeAllCallback, AfterAllCallback, ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return context.getTestMethod().filter(method -> method.isAnnotationPresent(AnyTransport.class)).isPresent()
            ? ConditionEvaluationResult.disabled("@AnyTransport: run over TCP only")
            : ConditionEvaluationResult.enabled("");
    }

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
