package io.dragon.it;

import static io.dragon.it.SlurmCluster.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.it.SlurmCluster.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The tests of {@link SlurmClusterIT} that depend on the transport, again with the nodes' agents on libfabric. */
@ExtendWith(OverLibfabric.class)
class SlurmClusterOfiIT extends SlurmClusterIT {
    @Test
    void shouldCarryTheNodesTrafficOverLibfabric(@TempDir Path logs) throws Exception {
        Result hello = run(120, "salloc", "-N3", "bin/dragon", "--log-dir", logs.toString(),
            "examples/target/examples-hello.jar", "3");
        assertThat(hello.code()).as(hello.toString()).isZero();
        assertThat(hello.output()).contains("over libfabric (tcp;ofi_rxm)", "all 3 workers done");
        assertThat(Files.readString(logs.resolve("backend-node2.log"))).contains(
            "fabric transport agent on tcp;ofi_rxm");
    }

    @Test
    void shouldFallBackToTcpSayingWhyWhenTheFabricCannotBeUsed() throws Exception {
        Result hello = run(120, "salloc", "-N3", "bin/dragon", "--provider", "nosuch",
            "examples/target/examples-hello.jar", "3");
        assertThat(hello.code()).as(hello.toString()).isZero();
        assertThat(hello.output()).contains("dragon: --transport ofi: using TCP: libfabric cannot be used on node",
            "provider nosuch", "over TCP", "all 3 workers done");
    }

    /** TLS does not cover fabric links: asking for both is refused. */
    @Override
    @Test
    void shouldRunEveryLinkBetweenTheNodesOverTlsWhenAsked(@TempDir Path logs) throws Exception {
        Result refused = run(60, "salloc", "-N3", "bin/dragon", "--tls", "examples/target/examples-hello.jar", "3");
        assertThat(refused.code()).as(refused.toString()).isEqualTo(2);
        assertThat(refused.output()).contains("--tls with --transport ofi: fabric links are not encrypted");
    }

    /** Without TLS (which fabric links do not have), the secret alone, kept out of every user process. */
    @Override
    @Test
    void shouldKeepTheSecretAndTheKeyOutOfEveryUserProcess() throws Exception {
        assertKeptOutOfEveryUserProcess(List.of(), "DRAGON_TREE_SECRET");
    }
}
