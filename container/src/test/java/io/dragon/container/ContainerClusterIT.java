package io.dragon.container;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * A Slurm cluster of containers of the image users build (container/Dockerfile, from this checkout): a controller
 * and three compute nodes on one Docker network. dragon runs on all three through salloc and sbatch; afterwards
 * no segment and no runtime process is left in any container. Skipped, with a message, where no Docker engine
 * runs (as on the machines that build this project).
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainerClusterIT {
    private static final Path HOME = Path.of(System.getProperty("dragon.home", "..")).toAbsolutePath().normalize();
    private static final List<String> NODES = List.of("node1", "node2", "node3");
    private static final Network NETWORK = Network.newNetwork();
    /**
     * The repository is the build context (docker-java tars it, leaving out what .dockerignore lists). Not
     * withFileFromPath plus withDockerfile: docker-java's withDockerfile replaces the build context with the
     * Dockerfile's own directory, and the build hangs with the context Testcontainers streams left unread.
     */
    private static final ImageFromDockerfile IMAGE = new ImageFromDockerfile("dragon-jvm-test", false)
        .withBuildImageCmdModifier(cmd -> cmd.withBaseDirectory(HOME.toFile())
            .withDockerfile(HOME.resolve("container/Dockerfile").toFile()));
    private static final String MUNGE_KEY = Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(1024));
    private static final List<GenericContainer<?>> CONTAINERS = new ArrayList<>();
    private static GenericContainer<?> controller;

    /** Builds the image (minutes the first time) and starts the cluster; a build that hangs ends the class. */
    @BeforeAll
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    static void clusterUp() {
        controller = container("controller", "controller");
        for (String node : NODES) {
            container(node, "node");
        }
        CONTAINERS.forEach(GenericContainer::start);
        awaitIdle();
    }

    @AfterAll
    static void clusterDown() {
        CONTAINERS.forEach(GenericContainer::stop);
        NETWORK.close();
    }

    @Test
    void shouldRunTheRuntimeOnEveryNodeUnderSalloc() throws Exception {
        ExecResult hello = controller.execInContainer("salloc", "-N3", "dragon", "examples/target/examples-hello.jar",
            "3");
        assertThat(hello.getExitCode()).as(hello.toString()).isZero();
        assertThat(hello.getStdout() + hello.getStderr()).contains("up on 3 nodes", "on node1)", "on node2)",
            "on node3)", "all 3 workers done");
        assertNothingLeft();
    }

    @Test
    void shouldRunTheRuntimeFromAnSbatchScriptAndPropagateExitCodes() throws Exception {
        ExecResult batch = controller.execInContainer("sbatch", "--wait", "-o", "/tmp/hello.out",
            "examples/slurm/hello.sbatch");
        assertThat(batch.getExitCode()).as(batch.toString()).isZero();
        ExecResult output = CONTAINERS.get(1).execInContainer("cat", "/tmp/hello.out"); // node1 ran the script
        assertThat(output.getStdout()).contains("all 6 workers done", "dragon: exit code 0");

        ExecResult exit = controller.execInContainer("salloc", "-N3", "dragon", "dragon-it/target/dragon-it-exit.jar",
            "7");
        assertThat(exit.getExitCode()).as(exit.toString()).isEqualTo(7);
        assertNothingLeft();
    }

    private static GenericContainer<?> container(String hostname, String role) {
        GenericContainer<?> container = new GenericContainer<>(IMAGE).withNetwork(NETWORK).withNetworkAliases(hostname)
            .withCreateContainerCmdModifier(cmd -> cmd.withHostName(hostname)).withPrivilegedMode(true)
            .withEnv("DRAGON_MUNGE_KEY", MUNGE_KEY).withEnv("DRAGON_SLURM_NODES", String.join(",", NODES))
            .withCommand(role).withStartupTimeout(Duration.ofMinutes(10));
        CONTAINERS.add(container);
        return container;
    }

    /** Waits until Slurm reports every node idle. */
    private static void awaitIdle() {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                ExecResult idle = controller.execInContainer("sinfo", "-h", "-t", "idle", "-o", "%D");
                if (idle.getStdout().trim().equals(Integer.toString(NODES.size()))) {
                    return;
                }
                Thread.sleep(500);
            } catch (Exception e) {
                throw new IllegalStateException("cannot ask the controller for its nodes", e);
            }
        }
        throw new AssertionError("the nodes did not all become idle within 2 minutes");
    }

    /** No segment in /dev/shm and no process of a runtime in any container. */
    private static void assertNothingLeft() throws Exception {
        for (GenericContainer<?> container : CONTAINERS) {
            ExecResult left = container.execInContainer("sh", "-c", "ls /dev/shm | grep '^dragon-';"
                + " grep -l DRAGON_RUNTIME_ID= /proc/[0-9]*/environ 2>/dev/null");
            assertThat(left.getStdout().trim()).as("left in " + container.getNetworkAliases()).isEmpty();
        }
    }
}
