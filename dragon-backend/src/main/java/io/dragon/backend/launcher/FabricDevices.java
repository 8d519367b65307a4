package io.dragon.backend.launcher;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The hardware of a fabric that libfabric drives with a provider other than the IP stack's, if a node has one:
 * InfiniBand and RoCE devices (verbs, and efa, psm3, ucx over them) in {@code /sys/class/infiniband}, HPE
 * Slingshot NICs (cxi) in {@code /sys/class/cxi}, Omni-Path adapters (psm2, opx) as {@code /dev/hfi1_*}. Looking
 * takes a few directory listings; loading libfabric and asking its providers takes ~200 ms of CPU per node, so
 * {@code --transport auto} asks libfabric only on nodes where a device is.
 */
final class FabricDevices {
    /** Where each kind of device shows, relative to the file system root, and the names that count. */
    private record Place(String directory, String glob) {
    }

    private static final List<Place> PLACES = List.of(new Place("sys/class/infiniband", "*"),
        new Place("sys/class/cxi", "*"), new Place("dev", "hfi1_*"));

    private FabricDevices() {
    }

    /** The first fabric device on this node, as a path, or empty if it has none. */
    static Optional<String> find() {
        return find(Path.of("/"));
    }

    /** {@link #find()} below {@code root} (for tests). */
    static Optional<String> find(Path root) {
        for (Place place : PLACES) {
            Path directory = root.resolve(place.directory());
            if (!Files.isDirectory(directory)) {
                continue;
            }
            try (DirectoryStream<Path> devices = Files.newDirectoryStream(directory, place.glob())) {
                for (Path device : devices) {
                    return Optional.of("/" + root.relativize(device));
                }
            } catch (IOException e) {
                // unreadable: as if absent; a site can still ask for --transport ofi
            }
        }
        return Optional.empty();
    }

    /** What was looked at, for the report of a node without a device. */
    static String places() {
        return String.join(", ", PLACES.stream().map(p -> "/" + p.directory() + "/" + p.glob()).toList());
    }
}
