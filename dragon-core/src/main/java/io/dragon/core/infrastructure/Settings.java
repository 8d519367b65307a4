package io.dragon.core.infrastructure;

import java.util.List;
import java.util.Locale;

/**
 * Every setting of the runtime, in one place (after Agrona's and Aeron's {@code Configuration}): the system
 * properties ({@link Property}, {@code -Dname=value}, for users in {@code DRAGON_JAVA_OPTS}) with a typed accessor
 * each, and the environment variables ({@link Variable}), those a user sets and those the runtime hands its own
 * processes. docs/settings.md lists both with defaults, units and meanings; SettingsDocsTest keeps it equal to this
 * class. Readers whose value is a {@code static final} read it once, when their class is initialized.
 *
 * <p>Adding a setting: a constant here (with its javadoc, and a typed accessor for a property), its row in
 * docs/settings.md, and the line that reads it.
 */
public final class Settings {
    /** Default fan-out of the tree that links the launcher to the nodes ({@code dragon --fanout}). */
    public static final String TREE_FANOUT_DEFAULT = "32";
    /** Default of {@code dragon --transport} when {@code DRAGON_TRANSPORT} is not set. */
    public static final String TRANSPORT_DEFAULT = "auto";
    /** Default of {@link Property#BRINGUP_TIMEOUT_MS} ({@code dragon --bringup-timeout}), in ms. */
    public static final String BRINGUP_TIMEOUT_DEFAULT_MS = "60000";
    /** Default of {@link Property#HEARTBEAT_TIMEOUT_MS} ({@code dragon --heartbeat-timeout}), in ms. */
    public static final String HEARTBEAT_TIMEOUT_DEFAULT_MS = "6000";

    private Settings() {
    }

    /** A system property of the runtime. */
    public enum Property {
        /**
         * How long each step of bringup that waits for every node (or service) may take before it fails, naming
         * who did not answer. Read by the launcher, Local Services and Global Services. Users set it with
         * {@code dragon --bringup-timeout} or {@link Variable#DRAGON_BRINGUP_TIMEOUT}.
         */
        BRINGUP_TIMEOUT_MS("dragon.bringup.timeout.ms", BRINGUP_TIMEOUT_DEFAULT_MS, "ms", true),
        /**
         * How long a link of the fan-out tree may stay silent before its peer counts as gone; each side sends a
         * heartbeat after a fifth of it without sending anything else. Users set it with
         * {@code dragon --heartbeat-timeout} or {@link Variable#DRAGON_HEARTBEAT_TIMEOUT}.
         */
        HEARTBEAT_TIMEOUT_MS("dragon.heartbeat.timeout.ms", HEARTBEAT_TIMEOUT_DEFAULT_MS, "ms", true),
        /** How long a link (tree or transport agents) may take to authenticate before it is closed. */
        LINK_HANDSHAKE_TIMEOUT_MS("dragon.link.handshake.timeout.ms", "5000", "ms", false),
        /** Accepted links a listener lets wait for their handshake at once: one more closes the oldest. */
        LINK_PENDING_MAX("dragon.link.pending.max", "64", "links", false),
        /**
         * How long a fabric message may wait for its send to complete before its request is answered as failed
         * (providers keep a message for a dead peer queued, without an error, while they try to reconnect).
         */
        OFI_SEND_TIMEOUT_MS("dragon.ofi.send.timeout.ms", "10000", "ms", true),
        /**
         * How long a transport agent's busy threads (the reader of the gateway channel, the fabric agent's progress
         * thread) poll after their last work before they wait as other threads do; {@code auto}: 50 µs on a node
         * with at least {@link Settings#SPARE_CORES_FOR_SPIN} cores (Slurm's grant, else the machine's), 0 below
         * (polling takes cores from the processes where there are few).
         */
        TRANSPORT_SPIN_US("dragon.transport.spin.us", "auto", "µs", true),
        /**
         * What the tags of fabric messages cover: {@code full} (whole messages and large frames) or {@code header}
         * (headers only, for fabrics that keep jobs apart themselves). Every node must have the same.
         */
        OFI_INTEGRITY("dragon.ofi.integrity", "full", "", true),
        /**
         * JVM options of the runtime's JVM on each node of a multi-node run; the frontend passes them on. Unless
         * they are set, the client compiler only is added where the data path does no cryptography (JavaCommand).
         */
        RUNTIME_JVM_OPTIONS("dragon.runtime.jvm.options", "-XX:+UseSerialGC -XX:-UsePerfData -Xlog:disable"
            + " -Xlog:all=warning:stderr", "", false),
        /**
         * JVM options (separated by spaces) that every JVM of the runtime, and every Java process it starts, needs on
         * this JDK: bin/dragon chooses them by the JDK's version (from JDK 24, those that keep the JDK from warning
         * about native access and sun.misc.Unsafe), and each JVM passes them on (InheritedProperties).
         */
        JDK_OPTIONS("dragon.jdk.options", "", "", true),
        /**
         * JVM options (separated by spaces) of the program's Java processes: the head's ({@code dragon --jvm-opt}),
         * and those of every Java process it starts whose template names none of its own (ProcessTemplate, Pool).
         */
        PROGRAM_JVM_OPTIONS("dragon.program.jvm.options", "", "", true),
        /** Directory of the class-data-sharing archives of the runtime's JVMs (bin/dragon sets it); none: none used. */
        CDS_DIR("dragon.cds.dir", "", "", false),
        /** Whether each JVM of the runtime records its class-data-sharing archive as it exits (the build's run). */
        CDS_TRAIN("dragon.cds.train", "false", "", false),
        /** Spins (about 25 ns each) before an adaptive waiter starts to yield. */
        WAIT_SPINS("dragon.wait.spins", "200", "spins", false),
        /** Yields before an adaptive waiter sleeps. */
        WAIT_YIELDS("dragon.wait.yields", "1000", "yields", false),
        /** Whether shared-memory accesses skip their bounds checks. */
        DISABLE_BOUNDS_CHECKS("dragon.disable.bounds.checks", "false", "", false),
        /** Tests only: crash points (comma-separated) at which this process stops for good (see CrashPoints). */
        CRASH_POINTS("dragon.crash.points", "", "", false);

        private final String key;
        private final String defaultValue;
        private final String unit;
        private final boolean inherited;

        Property(String key, String defaultValue, String unit, boolean inherited) {
            this.key = key;
            this.defaultValue = defaultValue;
            this.unit = unit;
            this.inherited = inherited;
        }

        /** The property's name, as in {@code -Dname=value}. */
        public String key() {
            return key;
        }

        /** The value when the property is not set; empty: none. */
        public String defaultValue() {
            return defaultValue;
        }

        /** The unit of a number; empty for other values. */
        public String unit() {
            return unit;
        }

        /** Whether every JVM of the runtime passes this property on to the JVMs it starts (InheritedProperties). */
        public boolean inherited() {
            return inherited;
        }

        /** This JVM's value: the property's, else the default. */
        public String value() {
            return System.getProperty(key, defaultValue);
        }

        /** This JVM's value as a list of words separated by whitespace (JVM options); none if blank. */
        public List<String> words() {
            String value = value().trim();
            return value.isEmpty() ? List.of() : List.of(value.split("\\s+"));
        }

        /** The JVM option that sets this property to {@code value}. */
        public String option(String value) {
            return "-D" + key + "=" + value;
        }

        private long longValue() {
            return Long.getLong(key, Long.parseLong(defaultValue));
        }

        private int intValue() {
            return Integer.getInteger(key, Integer.parseInt(defaultValue));
        }

        private boolean booleanValue() {
            return Boolean.parseBoolean(value());
        }
    }

    /** {@link Property#BRINGUP_TIMEOUT_MS}. */
    public static long bringupTimeoutMs() {
        return Property.BRINGUP_TIMEOUT_MS.longValue();
    }

    /** {@link Property#HEARTBEAT_TIMEOUT_MS}. */
    public static long heartbeatTimeoutMs() {
        return Property.HEARTBEAT_TIMEOUT_MS.longValue();
    }

    /** {@link Property#LINK_HANDSHAKE_TIMEOUT_MS}. */
    public static long linkHandshakeTimeoutMs() {
        return Property.LINK_HANDSHAKE_TIMEOUT_MS.longValue();
    }

    /** {@link Property#LINK_PENDING_MAX}. */
    public static int linkPendingMax() {
        return Property.LINK_PENDING_MAX.intValue();
    }

    /** {@link Property#OFI_SEND_TIMEOUT_MS}. */
    public static long ofiSendTimeoutMs() {
        return Property.OFI_SEND_TIMEOUT_MS.longValue();
    }

    /** Cores a node must have for {@link Property#TRANSPORT_SPIN_US} {@code auto} to poll. */
    public static final int SPARE_CORES_FOR_SPIN = 8;

    /** {@link Property#TRANSPORT_SPIN_US} on a node of {@code cores} cores. */
    public static long transportSpinUs(int cores) {
        String value = Property.TRANSPORT_SPIN_US.value();
        if (value.equals("auto")) {
            return cores >= SPARE_CORES_FOR_SPIN ? 50 : 0;
        }
        try {
            return Math.max(0, Long.parseLong(value));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(Property.TRANSPORT_SPIN_US.key() + " must be auto or a number of µs,"
                + " got '" + value + "'");
        }
    }

    /** {@link Property#OFI_INTEGRITY}, as set (checked by the fabric agent). */
    public static String ofiIntegrity() {
        return Property.OFI_INTEGRITY.value();
    }

    /** {@link Property#JDK_OPTIONS}. */
    public static List<String> jdkOptions() {
        return Property.JDK_OPTIONS.words();
    }

    /** {@link Property#PROGRAM_JVM_OPTIONS}. */
    public static List<String> programJvmOptions() {
        return Property.PROGRAM_JVM_OPTIONS.words();
    }

    /** {@link Property#CDS_DIR}; empty: none. */
    public static String cdsDir() {
        return Property.CDS_DIR.value();
    }

    /** {@link Property#CDS_TRAIN}. */
    public static boolean cdsTrain() {
        return Property.CDS_TRAIN.booleanValue();
    }

    /** {@link Property#WAIT_SPINS}. */
    public static int waitSpins() {
        return Property.WAIT_SPINS.intValue();
    }

    /** {@link Property#WAIT_YIELDS}. */
    public static int waitYields() {
        return Property.WAIT_YIELDS.intValue();
    }

    /** {@link Property#DISABLE_BOUNDS_CHECKS}. */
    public static boolean disableBoundsChecks() {
        return Property.DISABLE_BOUNDS_CHECKS.booleanValue();
    }

    /** {@link Property#CRASH_POINTS}, or null when not set. */
    public static String crashPoints() {
        return System.getProperty(Property.CRASH_POINTS.key);
    }

    /** Who sets an environment variable, and for whom. */
    public enum Origin {
        /** The user, for {@code dragon} (bin/dragon and the launcher). */
        USER,
        /** The launcher, for the backend it starts on each node. */
        LAUNCHER,
        /** The runtime, for every process it starts (launch parameters: see LaunchParameters). */
        RUNTIME;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** An environment variable of the runtime; its name is the constant's. */
    public enum Variable {
        /** Extra options of the launcher's JVM, read by bin/dragon and bin/dragon-cleanup (for example -D settings). */
        DRAGON_JAVA_OPTS(Origin.USER, "", ""),
        /** Default of {@code dragon --transport} (tcp, ofi or auto); the launcher hands its backends the choice. */
        DRAGON_TRANSPORT(Origin.USER, TRANSPORT_DEFAULT, ""),
        /**
         * Default of {@code dragon --network-prefix}: the nodes talk over the interface whose IPv4 address starts
         * with it (none: the first that is not loopback); the launcher hands its backends the prefix.
         */
        DRAGON_NETWORK_PREFIX(Origin.USER, "", ""),
        /**
         * Default of {@code dragon --bringup-timeout} (a duration: 90s, 2m, 1500ms), which sets
         * {@link Property#BRINGUP_TIMEOUT_MS} for every JVM of the runtime.
         */
        DRAGON_BRINGUP_TIMEOUT(Origin.USER, "", ""),
        /**
         * Default of {@code dragon --heartbeat-timeout} (a duration), which sets {@link Property#HEARTBEAT_TIMEOUT_MS}
         * for every JVM of the runtime.
         */
        DRAGON_HEARTBEAT_TIMEOUT(Origin.USER, "", ""),
        /**
         * This node's GPUs, instead of those the runtime finds (Gpus): {@code none}, or {@code VENDOR:COUNT} items
         * separated by commas (nvidia, amd or intel: {@code nvidia:4}), for nodes whose GPUs it cannot see (a
         * container without /sys/class/drm) and for tests. Read by Local Services on each node.
         */
        DRAGON_GPUS(Origin.USER, "", ""),
        /** Address (host:port) of the fan-out tree's root, which a backend joins. */
        DRAGON_TREE_ROOT(Origin.LAUNCHER, "", ""),
        /** Fan-out of the tree ({@code dragon --fanout}). */
        DRAGON_TREE_FANOUT(Origin.LAUNCHER, TREE_FANOUT_DEFAULT, "children"),
        /** The job's secret, which every link proves it holds; never given to a user process. */
        DRAGON_TREE_SECRET(Origin.LAUNCHER, "", ""),
        /** With {@code dragon --tls}: the job's certificate (base64 PEM); never given to a user process. */
        DRAGON_TLS_CERTIFICATE(Origin.LAUNCHER, "", ""),
        /** With {@code dragon --tls}: the key of the job's certificate (base64 PEM); never given to a user process. */
        DRAGON_TLS_KEY(Origin.LAUNCHER, "", ""),
        /** The libfabric provider of the backends' fabric agents ({@code dragon --provider}); none: the first found. */
        DRAGON_OFI_PROVIDER(Origin.LAUNCHER, "", ""),
        /** Set (to 1) with {@code dragon --trace}: every node's runtime JVM records its part of the run's timeline. */
        DRAGON_TRACE(Origin.LAUNCHER, "", ""),
        /** Id of this runtime: prefixes its segments and marks its processes (which is how cleanup finds them). */
        DRAGON_RUNTIME_ID(Origin.RUNTIME, "", ""),
        /** Index of this node, 0 on the primary node. */
        DRAGON_NODE_INDEX(Origin.RUNTIME, "0", ""),
        /** Number of nodes in the runtime. */
        DRAGON_NODE_COUNT(Origin.RUNTIME, "1", "nodes"),
        /** p_uid of this process. */
        DRAGON_MY_PUID(Origin.RUNTIME, "-1", ""),
        /** c_uid of Global Services' channel. */
        DRAGON_GS_CUID(Origin.RUNTIME, Long.toString(Ids.GLOBAL_SERVICES_CUID), ""),
        /** c_uid of this node's Local Services channel. */
        DRAGON_LS_CUID(Origin.RUNTIME, Long.toString(Ids.localServicesCuid(0)), ""),
        /** Size of each node's infrastructure pool ({@code dragon --infra-pool-size}). */
        DRAGON_INF_POOL_SIZE(Origin.RUNTIME, Long.toString(Facts.DEFAULT_INFRA_POOL_SIZE), "bytes"),
        /** Size of each node's default pool ({@code dragon --pool-size}). */
        DRAGON_DEFAULT_POOL_SIZE(Origin.RUNTIME, Long.toString(Facts.DEFAULT_POOL_SIZE), "bytes"),
        /** Level of the runtime's log files ({@code dragon -l}). */
        DRAGON_LOG_LEVEL(Origin.RUNTIME, "INFO", ""),
        /**
         * Directory of this node's log files: {@code dragon --log-dir} on one node; multi-node, a directory of each
         * node's own, whose files are gathered into {@code --log-dir} at teardown.
         */
        DRAGON_LOG_DIR(Origin.RUNTIME, "", ""),
        /** Descriptor of Global Services' channel. */
        DRAGON_GS_CD(Origin.RUNTIME, "", ""),
        /** Descriptor of this node's Local Services channel. */
        DRAGON_LS_CD(Origin.RUNTIME, "", ""),
        /** Descriptor of the launcher's channel. */
        DRAGON_LA_CD(Origin.RUNTIME, "", ""),
        /** Descriptor of a managed process's own channel, on which Global Services answers its requests. */
        DRAGON_GS_RET_CD(Origin.RUNTIME, "", ""),
        /** Descriptor of this node's infrastructure pool. */
        DRAGON_INF_PD(Origin.RUNTIME, "", ""),
        /** Descriptor of this node's default pool. */
        DRAGON_DEFAULT_PD(Origin.RUNTIME, "", ""),
        /** Descriptor of this node's gateway channel to other nodes (multi-node only). */
        DRAGON_GW_CD(Origin.RUNTIME, "", ""),
        /** What the deserialization filter also accepts, refuses or allows ({@code dragon --serial-filter}). */
        DRAGON_SERIAL_FILTER(Origin.RUNTIME, "", ""),
        /** The serialized Runnable a process started from a ProcessTemplate runs (base64). */
        DRAGON_PROCESS_TARGET(Origin.RUNTIME, "", "");

        private final Origin origin;
        private final String defaultValue;
        private final String unit;

        Variable(Origin origin, String defaultValue, String unit) {
            this.origin = origin;
            this.defaultValue = defaultValue;
            this.unit = unit;
        }

        /** Who sets the variable. */
        public Origin origin() {
            return origin;
        }

        /** The value when the variable is not set; empty: none. */
        public String defaultValue() {
            return defaultValue;
        }

        /** The unit of a number; empty for other values. */
        public String unit() {
            return unit;
        }
    }
}
