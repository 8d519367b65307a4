package io.dragon.backend.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FabricDevicesTest {
    @TempDir
    Path root;

    @Test
    void shouldFindNoDeviceOnANodeWithOnlyEthernet() throws IOException {
        Files.createDirectories(root.resolve("sys/class/net/eth0"));
        Files.createDirectories(root.resolve("sys/class/infiniband")); // the class exists, with no device in it
        Files.createFile(Files.createDirectories(root.resolve("dev")).resolve("null"));

        assertThat(FabricDevices.find(root)).isEmpty();
    }

    @Test
    void shouldFindInfinibandSlingshotAndOmniPathDevices() throws IOException {
        Files.createDirectories(root.resolve("dev"));
        Files.createFile(root.resolve("dev/hfi1_0"));
        assertThat(FabricDevices.find(root)).contains("/dev/hfi1_0");

        Files.createDirectories(root.resolve("sys/class/cxi/cxi0"));
        assertThat(FabricDevices.find(root)).contains("/sys/class/cxi/cxi0");

        Files.createDirectories(root.resolve("sys/class/infiniband/mlx5_0"));
        assertThat(FabricDevices.find(root)).contains("/sys/class/infiniband/mlx5_0");
    }

    @Test
    void shouldSayWhereItLooked() {
        assertThat(FabricDevices.places()).contains("/sys/class/infiniband/*", "/sys/class/cxi/*", "/dev/hfi1_*");
    }
}
