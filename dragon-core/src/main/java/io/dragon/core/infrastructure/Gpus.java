package io.dragon.core.infrastructure;

import io.dragon.Gpu;
import io.dragon.Gpu.Vendor;
import io.dragon.core.infrastructure.Settings.Variable;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A node's GPUs, and the variable that makes some of them visible to a process. Local Services finds its node's at
 * bringup: {@link Variable#DRAGON_GPUS} if set, else the kernel's DRM devices ({@code /sys/class/drm/card*}) whose
 * PCI vendor makes GPUs, numbered per vendor in PCI address order; NVIDIA's are then taken from
 * {@code nvidia-smi -L} (CUDA's numbering and the product names) if it runs. A node without DRM devices (no GPU, or
 * a container that hides them) has none: only reading a directory, no command, so bringup costs nothing more there.
 *
 * <p>Where the job's environment already limits the node's vendor to some GPUs (Slurm sets
 * {@code CUDA_VISIBLE_DEVICES} and the like for a job granted some), the node has only those: GPU {@code i} is the
 * {@code i}-th the variable lists, as the job's programs number them, and a process given it sees that entry. So a
 * policy never hands out a GPU of another job ({@link #granted}).
 */
public final class Gpus {
    /** Where the kernel lists the DRM devices. */
    public static final Path SYSFS_DRM = Path.of("/sys/class/drm");

    /** PCI vendor ids of the makers of GPUs. */
    private static final Map<Integer, Vendor> PCI_VENDORS = Map.of(0x10de, Vendor.NVIDIA, 0x1002, Vendor.AMD,
        0x8086, Vendor.INTEL);
    private static final Pattern CARD = Pattern.compile("card[0-9]+");
    /** A GPU line of {@code nvidia-smi -L}: {@code GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-...)}. */
    private static final Pattern NVIDIA_SMI_GPU = Pattern.compile("GPU ([0-9]+): (.*?)(?: \\(UUID: [^)]*\\))?");
    private static final Pattern DECLARED = Pattern.compile("([a-z]+):([0-9]{1,3})");
    private static final long COMMAND_TIMEOUT_SECONDS = 10;

    private Gpus() {
    }

    /** This node's GPUs that the job may use (see the class comment). */
    public static List<Gpu> detect() {
        return granted(detect(System.getenv(Variable.DRAGON_GPUS.name()), SYSFS_DRM, Gpus::output), System.getenv());
    }

    /**
     * Of {@code found}, the GPUs of the first vendor that {@code env} (the job's environment) limits through the
     * vendor's variable, numbered as they are listed there; those the node has not found are named by their entry.
     * Slurm's {@code NoDevFiles}, or an empty value, leaves none of that vendor. Without the variable: {@code found}.
     */
    static List<Gpu> granted(List<Gpu> found, Map<String, String> env) {
        Optional<Vendor> vendor = firstVendor(found);
        Optional<List<String>> grant = vendor.flatMap(v -> grant(v, env));
        if (grant.isEmpty()) {
            return found;
        }
        List<Gpu> granted = new ArrayList<>();
        for (String entry : grant.get()) {
            String name = found.stream().filter(gpu -> gpu.vendor() == vendor.get()
                && Integer.toString(gpu.index()).equals(entry)).map(Gpu::name).findFirst()
                .orElse(vendor.get().name() + " GPU " + entry);
            granted.add(new Gpu(vendor.get(), granted.size(), name));
        }
        found.stream().filter(gpu -> gpu.vendor() != vendor.get()).forEach(granted::add);
        return List.copyOf(granted);
    }

    /** The entries of {@code vendor}'s variable in {@code env}, if it is set; none for Slurm's NoDevFiles. */
    private static Optional<List<String>> grant(Vendor vendor, Map<String, String> env) {
        String value = env.get(vendor.visibleDevicesVariable());
        if (value == null) {
            return Optional.empty();
        }
        return Optional.of(Stream.of(value.split(",")).map(String::trim)
            .filter(entry -> !entry.isEmpty() && !entry.equals("NoDevFiles")).toList());
    }

    private static Optional<Vendor> firstVendor(List<Gpu> gpus) {
        return gpus.stream().map(Gpu::vendor).min(Comparator.naturalOrder());
    }

    /**
     * The GPUs {@code declared} names ({@link Variable#DRAGON_GPUS}), else those found under {@code drm}, with
     * {@code command} to run a command and read its output (empty if it cannot run or fails).
     */
    static List<Gpu> detect(String declared, Path drm, Function<List<String>, Optional<String>> command) {
        if (declared != null && !declared.isBlank()) {
            return declared(declared.trim());
        }
        List<Gpu> found = fromSysfs(drm);
        if (found.stream().anyMatch(gpu -> gpu.vendor() == Vendor.NVIDIA)) {
            List<Gpu> nvidia = command.apply(List.of("nvidia-smi", "-L")).map(Gpus::fromNvidiaSmi).orElse(List.of());
            if (!nvidia.isEmpty()) {
                found.removeIf(gpu -> gpu.vendor() == Vendor.NVIDIA);
                found.addAll(0, nvidia);
            }
        }
        return List.copyOf(found);
    }

    /**
     * The GPUs of a {@link Variable#DRAGON_GPUS} value: {@code none}, or {@code VENDOR:COUNT} items separated by
     * commas ({@code nvidia:4}, {@code amd:2,intel:1}), VENDOR one of nvidia, amd, intel.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static List<Gpu> declared(String value) {
        if (value.equals("none")) {
            return List.of();
        }
        List<Gpu> gpus = new ArrayList<>();
        for (String item : value.split(",")) {
            Matcher matcher = DECLARED.matcher(item.trim());
            Optional<Vendor> vendor = matcher.matches() ? Stream.of(Vendor.values())
                .filter(v -> v.name().toLowerCase(Locale.ROOT).equals(matcher.group(1))).findFirst() : Optional.empty();
            if (vendor.isEmpty()) {
                throw new IllegalArgumentException(Variable.DRAGON_GPUS + " must be 'none' or VENDOR:COUNT items"
                    + " separated by commas, VENDOR one of nvidia, amd, intel (as in nvidia:4); got '" + value + "'");
            }
            int count = Integer.parseInt(matcher.group(2));
            for (int i = 0; i < count; i++) {
                gpus.add(new Gpu(vendor.get(), i, vendor.get().name() + " GPU " + i + " (" + Variable.DRAGON_GPUS
                    + ")"));
            }
        }
        return gpus;
    }

    /** The GPUs among the DRM cards under {@code drm}, each vendor's numbered by PCI address; a mutable list. */
    static List<Gpu> fromSysfs(Path drm) {
        record Card(Vendor vendor, String pciAddress, String name) {
        }
        List<Card> cards = new ArrayList<>();
        if (!Files.isDirectory(drm)) {
            return new ArrayList<>();
        }
        try (Stream<Path> entries = Files.list(drm)) {
            for (Path card : entries.filter(p -> CARD.matcher(p.getFileName().toString()).matches()).toList()) {
                Path device = card.resolve("device");
                Optional<String> vendorId = read(device.resolve("vendor"));
                Vendor vendor = vendorId.filter(id -> id.matches("0x[0-9a-fA-F]{1,4}"))
                    .map(id -> PCI_VENDORS.get(Integer.parseInt(id.substring(2), 16))).orElse(null);
                if (vendor != null) {
                    String pciAddress = device.toRealPath().getFileName().toString();
                    cards.add(new Card(vendor, pciAddress, read(device.resolve("product_name"))
                        .orElse(vendor.name() + " GPU at " + pciAddress)));
                }
            }
        } catch (IOException e) {
            return new ArrayList<>(); // a card that went away meanwhile, or sysfs that cannot be read: none known
        }
        Map<Vendor, List<Card>> byVendor = cards.stream().sorted(Comparator.comparing(Card::pciAddress))
            .collect(Collectors.groupingBy(Card::vendor, TreeMap::new, Collectors.toList()));
        List<Gpu> gpus = new ArrayList<>();
        byVendor.forEach((vendor, list) -> {
            for (int i = 0; i < list.size(); i++) {
                gpus.add(new Gpu(vendor, i, list.get(i).name()));
            }
        });
        return gpus;
    }

    /** The GPUs {@code nvidia-smi -L} lists (not its MIG devices, which it lists indented under them). */
    static List<Gpu> fromNvidiaSmi(String output) {
        List<Gpu> gpus = new ArrayList<>();
        for (String line : output.split("\n")) {
            Matcher matcher = NVIDIA_SMI_GPU.matcher(line.stripTrailing());
            if (matcher.matches()) {
                gpus.add(new Gpu(Vendor.NVIDIA, Integer.parseInt(matcher.group(1)), matcher.group(2)));
            }
        }
        return gpus;
    }

    /**
     * The variable and its value that make GPUs {@code wanted} (by index) of {@code gpus}, a node's, the ones a
     * process sees: of the first vendor the node has among NVIDIA, AMD and Intel; where the job's environment
     * {@code env} lists the vendor's GPUs it may use, their entries there ({@link #granted}).
     *
     * @param node names the node in the error
     * @throws IllegalArgumentException if the node has no GPUs, or not one of those wanted
     */
    public static Map.Entry<String, String> visibleDevices(List<Gpu> gpus, List<Integer> wanted, String node,
                                                           Map<String, String> env) {
        Optional<Vendor> vendor = firstVendor(gpus);
        if (vendor.isEmpty()) {
            throw new IllegalArgumentException(node + " has no GPUs; the policy asks for GPUs " + wanted + " (if it"
                + " has some that the runtime does not find, name them in " + Variable.DRAGON_GPUS + ")");
        }
        BitSet present = new BitSet();
        gpus.stream().filter(gpu -> gpu.vendor() == vendor.get()).forEach(gpu -> present.set(gpu.index()));
        List<Integer> missing = wanted.stream().filter(index -> index < 0 || !present.get(index)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(node + " has " + vendor.get() + " GPUs " + present.stream()
                .mapToObj(Integer::toString).collect(Collectors.joining(", ")) + "; the policy asks for GPUs " + wanted
                + ", of which " + missing + " it does not have");
        }
        List<String> grant = grant(vendor.get(), env).orElse(null);
        return Map.entry(vendor.get().visibleDevicesVariable(), wanted.stream()
            .map(index -> grant != null && index < grant.size() ? grant.get(index) : index.toString())
            .collect(Collectors.joining(",")));
    }

    private static Optional<String> read(Path file) {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8).trim()).filter(s -> !s.isEmpty());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The output of {@code command}, if it runs and exits with 0 in time (a file: a hung command cannot block). */
    private static Optional<String> output(List<String> command) {
        Path out = null;
        try {
            out = Files.createTempFile("dragon-gpus", ".txt");
            java.lang.Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectOutput(out.toFile())
                .start();
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return Optional.empty();
            }
            return process.exitValue() == 0 ? Optional.of(Files.readString(out, StandardCharsets.UTF_8))
                : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            if (out != null) {
                out.toFile().delete();
            }
        }
    }
}
