package io.dragon.core.infrastructure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.Gpu;
import io.dragon.Gpu.Vendor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GPU detection from fake sysfs trees and command outputs; and from this host's, where it has a GPU. */
class GpusTest {
    private static final String NVIDIA_SMI = """
        GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-3e1b9d4c-0000-0000-0000-000000000000)
        GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-77aa0000-0000-0000-0000-000000000001)
          MIG 1g.5gb      Device  0: (UUID: MIG-5c6f0000-0000-0000-0000-000000000000)
        """;

    @TempDir
    Path sysfs;

    @Test
    void findsTheCardsOfGpuVendorsNumberedPerVendorByPciAddress() throws IOException {
        Path drm = sysfs.resolve("class/drm");
        card(drm, "card0", "0000:00:02.0", "0x1a03", null); // a server's BMC display: not a GPU
        card(drm, "card1", "0000:c1:00.0", "0x1002", "AMD Instinct MI250X");
        card(drm, "card2", "0000:81:00.0", "0x1002", null);
        card(drm, "card3", "0000:03:00.0", "0x8086", null);
        Files.createDirectories(drm.resolve("card1-DP-1")); // a connector, not a card
        Files.createDirectories(drm.resolve("renderD128"));
        assertThat(Gpus.detect(null, drm, command -> Optional.empty())).containsExactly(
            new Gpu(Vendor.AMD, 0, "AMD GPU at 0000:81:00.0"), new Gpu(Vendor.AMD, 1, "AMD Instinct MI250X"),
            new Gpu(Vendor.INTEL, 0, "INTEL GPU at 0000:03:00.0"));
    }

    @Test
    void takesNvidiaGpusFromNvidiaSmiWhereItRunsElseFromSysfs() throws IOException {
        Path drm = sysfs.resolve("drm");
        card(drm, "card0", "0000:41:00.0", "0x10de", null);
        card(drm, "card1", "0000:01:00.0", "0x10de", null);
        List<List<String>> ran = new ArrayList<>();
        assertThat(Gpus.detect("", drm, command -> {
            ran.add(command);
            return Optional.of(NVIDIA_SMI);
        })).containsExactly(new Gpu(Vendor.NVIDIA, 0, "NVIDIA A100-SXM4-40GB"),
            new Gpu(Vendor.NVIDIA, 1, "NVIDIA A100-SXM4-40GB"));
        assertThat(ran).containsExactly(List.of("nvidia-smi", "-L"));
        assertThat(Gpus.detect(null, drm, command -> Optional.empty())).containsExactly(
            new Gpu(Vendor.NVIDIA, 0, "NVIDIA GPU at 0000:01:00.0"), new Gpu(Vendor.NVIDIA, 1,
                "NVIDIA GPU at 0000:41:00.0"));
    }

    @Test
    void aNodeWithoutDrmDevicesHasNoGpusAndRunsNoCommand() {
        assertThat(Gpus.detect(null, sysfs.resolve("absent"), command -> {
            throw new AssertionError("ran " + command);
        })).isEmpty();
    }

    @Test
    void theVariableDeclaresTheGpusInsteadOfDetection() {
        assertThat(Gpus.detect("amd:2,intel:1", sysfs, command -> Optional.empty())).extracting(Gpu::vendor,
            Gpu::index).containsExactly(org.assertj.core.groups.Tuple.tuple(Vendor.AMD, 0),
            org.assertj.core.groups.Tuple.tuple(Vendor.AMD, 1), org.assertj.core.groups.Tuple.tuple(Vendor.INTEL, 0));
        assertThat(Gpus.detect("none", sysfs, command -> Optional.empty())).isEmpty();
        assertThatThrownBy(() -> Gpus.detect("cuda:2", sysfs, command -> Optional.empty()))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DRAGON_GPUS must be 'none' or"
                + " VENDOR:COUNT").hasMessageContaining("got 'cuda:2'");
    }

    @Test
    void makesTheWantedGpusVisibleThroughTheVendorsVariable() {
        List<Gpu> gpus = List.of(new Gpu(Vendor.INTEL, 0, "i"), new Gpu(Vendor.NVIDIA, 0, "a"),
            new Gpu(Vendor.NVIDIA, 1, "b"));
        assertThat(Gpus.visibleDevices(gpus, List.of(1, 0), "node 0 (n0)", Map.of()))
            .isEqualTo(Map.entry("CUDA_VISIBLE_DEVICES", "1,0"));
        assertThat(Gpus.visibleDevices(Gpus.declared("amd:1"), List.of(0), "n", Map.of()))
            .isEqualTo(Map.entry("ROCR_VISIBLE_DEVICES", "0"));
        assertThat(Gpus.visibleDevices(Gpus.declared("intel:4"), List.of(2, 3), "n", Map.of()))
            .isEqualTo(Map.entry("ZE_AFFINITY_MASK", "2,3"));
    }

    @Test
    void numbersOnlyTheGpusTheJobWasGrantedAndHandsOutTheirEntries() {
        List<Gpu> node = List.of(new Gpu(Vendor.NVIDIA, 0, "a"), new Gpu(Vendor.NVIDIA, 1, "b"),
            new Gpu(Vendor.NVIDIA, 2, "c"), new Gpu(Vendor.NVIDIA, 3, "d"), new Gpu(Vendor.INTEL, 0, "i"));
        Map<String, String> slurm = Map.of("CUDA_VISIBLE_DEVICES", "2,3");

        List<Gpu> granted = Gpus.granted(node, slurm);
        assertThat(granted).containsExactly(new Gpu(Vendor.NVIDIA, 0, "c"), new Gpu(Vendor.NVIDIA, 1, "d"),
            new Gpu(Vendor.INTEL, 0, "i"));
        assertThat(Gpus.visibleDevices(granted, List.of(1), "n", slurm))
            .isEqualTo(Map.entry("CUDA_VISIBLE_DEVICES", "3"));
        assertThatThrownBy(() -> Gpus.visibleDevices(granted, List.of(2), "n", slurm))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("of which [2] it does not have");
        assertThat(Gpus.granted(node, Map.of("CUDA_VISIBLE_DEVICES", "GPU-8f2e")))
            .startsWith(new Gpu(Vendor.NVIDIA, 0, "NVIDIA GPU GPU-8f2e"));
        assertThat(Gpus.granted(node, Map.of("CUDA_VISIBLE_DEVICES", "NoDevFiles")))
            .containsExactly(new Gpu(Vendor.INTEL, 0, "i"));
        assertThat(Gpus.granted(node, Map.of())).isEqualTo(node);
        assertThatThrownBy(() -> Gpus.visibleDevices(node, List.of(-1), "n", Map.of()))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("of which [-1] it does not have");
    }

    @Test
    void refusesGpusANodeDoesNotHaveNamingTheNodeAndWhatItHas() {
        assertThatThrownBy(() -> Gpus.visibleDevices(List.of(), List.of(0), "node 2 (n2)", Map.of()))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("node 2 (n2) has no GPUs; the policy asks for"
                + " GPUs [0] (if it has some that the runtime does not find, name them in DRAGON_GPUS)");
        assertThatThrownBy(() -> Gpus.visibleDevices(Gpus.declared("nvidia:2"), List.of(1, 4), "node 0 (n0)",
            Map.of()))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("node 0 (n0) has NVIDIA GPUs 0, 1; the policy"
                + " asks for GPUs [1, 4], of which [4] it does not have");
    }

    /** Where this host has a GPU, detection finds it; with nvidia-smi, as many as it lists. */
    @Test
    void findsThisHostsGpus() {
        List<Gpu> found = Gpus.detect(null, Gpus.SYSFS_DRM, command -> Optional.empty());
        Assumptions.assumeFalse(found.isEmpty(), "this host has no GPU that the kernel shows in " + Gpus.SYSFS_DRM
            + " (no DRM card of NVIDIA, AMD or Intel): nothing to find");
        assertThat(Gpus.detect()).isNotEmpty().allSatisfy(gpu -> assertThat(gpu.name()).isNotBlank());
    }

    private static void card(Path drm, String card, String pciAddress, String vendor, String productName)
        throws IOException {
        Path device = Files.createDirectories(drm.resolve("../../devices/pci0000:00").resolve(pciAddress)).normalize();
        Files.writeString(device.resolve("vendor"), vendor + "\n");
        if (productName != null) {
            Files.writeString(device.resolve("product_name"), productName + "\n");
        }
        Files.createDirectories(drm.resolve(card));
        Files.createSymbolicLink(drm.resolve(card).resolve("device"), device);
    }
}
