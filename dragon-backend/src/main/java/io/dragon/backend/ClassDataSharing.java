package io.dragon.backend;

import io.dragon.core.infrastructure.Settings;
import java.io.File;
import java.util.List;

/**
 * Class-data-sharing archives of the runtime's JVMs, one per role (the launcher, a node's runtime JVM, the cleanup
 * after a crash), in the directory named by the system property {@code dragon.cds.dir}: bin/dragon sets it to the
 * directory of the JDK that runs it, since an archive holds only for the JDK build that made it. Start-up is mostly
 * class loading: with its archive a JVM starts in about half the time.
 *
 * <p>bin/dragon-cds (which the build runs for the JDK that builds) makes the archives by running a real runtime
 * with {@code dragon.cds.train} set: each JVM then records what it loaded into its role's archive when it exits.
 */
public final class ClassDataSharing {
    private static final String DIR = Settings.cdsDir();
    private static final boolean TRAINING = Settings.cdsTrain();

    private ClassDataSharing() {
    }

    /** Whether this JVM is recording its archive (it must then exit through System.exit, which writes it). */
    public static boolean training() {
        return TRAINING;
    }

    /** JVM options that give a JVM of {@code role} its archive, or have it record one; none without a directory. */
    public static List<String> options(String role) {
        if (DIR.isEmpty()) {
            return List.of();
        }
        File archive = new File(DIR, role + ".jsa");
        if (TRAINING) {
            return List.of("-XX:ArchiveClassesAtExit=" + archive, Settings.Property.CDS_DIR.option(DIR),
                Settings.Property.CDS_TRAIN.option("true"),
                "-Xlog:all=error:stderr"); // not a warning for each class the archive cannot hold
        }
        // the JVM's complaints about an archive would land in the program's stderr (see bin/dragon-jvm.sh)
        return archive.isFile() ? List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds*=off:stderr",
            Settings.Property.CDS_DIR.option(DIR)) : List.of();
    }
}
