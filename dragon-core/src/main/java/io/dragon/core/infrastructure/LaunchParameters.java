package io.dragon.core.infrastructure;

import io.dragon.core.infrastructure.Settings.Variable;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * What every runtime process (service or managed) learns from its environment at start: the variables of
 * {@link Settings.Origin#RUNTIME} in {@link Variable} (docs/settings.md lists them), with their defaults there.
 * Descriptors travel base64-encoded.
 *
 * @param runtimeId       DRAGON_RUNTIME_ID: names this runtime's segments and files
 * @param nodeIndex       DRAGON_NODE_INDEX: this node's index, 0 on the primary node
 * @param nodeCount       DRAGON_NODE_COUNT: nodes in the runtime
 * @param puid            DRAGON_MY_PUID: this process's p_uid
 * @param globalServicesCuid          DRAGON_GS_CUID: c_uid of Global Services' channel (2)
 * @param localServicesCuid        DRAGON_LS_CUID: c_uid of this node's Local Services channel (3 on node 0)
 * @param infraPoolSize   DRAGON_INF_POOL_SIZE: bytes of each node's infrastructure pool
 * @param defaultPoolSize DRAGON_DEFAULT_POOL_SIZE: bytes of each node's default (user) pool
 * @param logLevel        DRAGON_LOG_LEVEL: runtime log level (ERROR, WARN, INFO, DEBUG, TRACE)
 * @param logDir          DRAGON_LOG_DIR: directory of the services' log files
 * @param globalServicesChannel       DRAGON_GS_CD: descriptor of Global Services' channel
 * @param localServicesChannel     DRAGON_LS_CD: descriptor of this node's Local Services channel
 * @param launcherChannel DRAGON_LA_CD: descriptor of the launcher's channel
 * @param returnChannel   DRAGON_GS_RET_CD: descriptor of this process's own channel for Global Services' answers
 * @param infraPool       DRAGON_INF_PD: descriptor of this node's infrastructure pool
 * @param defaultPool     DRAGON_DEFAULT_PD: descriptor of this node's default pool
 * @param gwChannel       DRAGON_GW_CD: descriptor of this node's gateway channel to other nodes (multi-node only)
 * @param serialFilter    DRAGON_SERIAL_FILTER: what the deserialization filter also accepts, refuses or allows
 *                        (dragon --serial-filter; see io.dragon.core.serialization.SerialFilter), or null
 */
public record LaunchParameters(String runtimeId, int nodeIndex, int nodeCount, long puid, long globalServicesCuid,
                               long localServicesCuid, long infraPoolSize, long defaultPoolSize, String logLevel,
                               String logDir, byte[] globalServicesChannel, byte[] localServicesChannel,
                               byte[] launcherChannel, byte[] returnChannel, byte[] infraPool, byte[] defaultPool,
                               byte[] gwChannel, String serialFilter) {

    /** Parameters of a fresh runtime, before any channel exists. */
    public static LaunchParameters initial(String runtimeId, int nodeIndex, int nodeCount, long infraPoolSize,
                                           long defaultPoolSize, String logLevel, String logDir,
                                           String serialFilter) {
        return new LaunchParameters(runtimeId, nodeIndex, nodeCount, Ids.localServicesPuid(nodeIndex),
            Ids.GLOBAL_SERVICES_CUID, Ids.localServicesCuid(nodeIndex), infraPoolSize, defaultPoolSize, logLevel,
            logDir, null, null, null, null, null, null, null, serialFilter);
    }

    /** Reads the parameters of this process. */
    public static LaunchParameters fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * @throws IllegalStateException if this process was not started by the runtime, or a variable is invalid
     */
    public static LaunchParameters fromEnvironment(Map<String, String> env) {
        if (env.get(Variable.DRAGON_RUNTIME_ID.name()) == null) {
            throw new IllegalStateException("DRAGON_RUNTIME_ID is not set: this process was not started by the"
                + " Dragon runtime (run your program with `dragon`)");
        }
        Function<Variable, String> get = v -> env.get(v.name());
        return new LaunchParameters(get.apply(Variable.DRAGON_RUNTIME_ID),
            (int) number(env, Variable.DRAGON_NODE_INDEX), (int) number(env, Variable.DRAGON_NODE_COUNT),
            number(env, Variable.DRAGON_MY_PUID), number(env, Variable.DRAGON_GS_CUID),
            number(env, Variable.DRAGON_LS_CUID), number(env, Variable.DRAGON_INF_POOL_SIZE),
            number(env, Variable.DRAGON_DEFAULT_POOL_SIZE),
            env.getOrDefault(Variable.DRAGON_LOG_LEVEL.name(), Variable.DRAGON_LOG_LEVEL.defaultValue()),
            get.apply(Variable.DRAGON_LOG_DIR), bytes(env, Variable.DRAGON_GS_CD), bytes(env, Variable.DRAGON_LS_CD),
            bytes(env, Variable.DRAGON_LA_CD), bytes(env, Variable.DRAGON_GS_RET_CD),
            bytes(env, Variable.DRAGON_INF_PD), bytes(env, Variable.DRAGON_DEFAULT_PD),
            bytes(env, Variable.DRAGON_GW_CD), get.apply(Variable.DRAGON_SERIAL_FILTER));
    }

    /** The variables to give a process started with these parameters (absent values are left out). */
    public Map<String, String> toEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(Variable.DRAGON_RUNTIME_ID.name(), runtimeId);
        env.put(Variable.DRAGON_NODE_INDEX.name(), Integer.toString(nodeIndex));
        env.put(Variable.DRAGON_NODE_COUNT.name(), Integer.toString(nodeCount));
        env.put(Variable.DRAGON_MY_PUID.name(), Long.toString(puid));
        env.put(Variable.DRAGON_GS_CUID.name(), Long.toString(globalServicesCuid));
        env.put(Variable.DRAGON_LS_CUID.name(), Long.toString(localServicesCuid));
        env.put(Variable.DRAGON_INF_POOL_SIZE.name(), Long.toString(infraPoolSize));
        env.put(Variable.DRAGON_DEFAULT_POOL_SIZE.name(), Long.toString(defaultPoolSize));
        env.put(Variable.DRAGON_LOG_LEVEL.name(), logLevel.toUpperCase(Locale.ROOT));
        putIfPresent(env, Variable.DRAGON_LOG_DIR, logDir);
        putIfPresent(env, Variable.DRAGON_GS_CD, globalServicesChannel);
        putIfPresent(env, Variable.DRAGON_LS_CD, localServicesChannel);
        putIfPresent(env, Variable.DRAGON_LA_CD, launcherChannel);
        putIfPresent(env, Variable.DRAGON_GS_RET_CD, returnChannel);
        putIfPresent(env, Variable.DRAGON_INF_PD, infraPool);
        putIfPresent(env, Variable.DRAGON_DEFAULT_PD, defaultPool);
        putIfPresent(env, Variable.DRAGON_GW_CD, gwChannel);
        putIfPresent(env, Variable.DRAGON_SERIAL_FILTER, serialFilter);
        return env;
    }

    public LaunchParameters withPuid(long newPuid) {
        return new LaunchParameters(runtimeId, nodeIndex, nodeCount, newPuid, globalServicesCuid, localServicesCuid,
            infraPoolSize, defaultPoolSize, logLevel, logDir, globalServicesChannel, localServicesChannel,
            launcherChannel, returnChannel, infraPool, defaultPool, gwChannel, serialFilter);
    }

    public LaunchParameters withReturnChannel(byte[] descriptor) {
        return new LaunchParameters(runtimeId, nodeIndex, nodeCount, puid, globalServicesCuid, localServicesCuid,
            infraPoolSize, defaultPoolSize, logLevel, logDir, globalServicesChannel, localServicesChannel,
            launcherChannel, descriptor, infraPool, defaultPool, gwChannel, serialFilter);
    }

    /** These parameters once Local Services has made the node's pools and infrastructure channels. */
    public LaunchParameters withInfrastructure(byte[] globalServices, byte[] localServices, byte[] launcher,
                                               byte[] infra, byte[] defaults, byte[] gw) {
        return new LaunchParameters(runtimeId, nodeIndex, nodeCount, puid, globalServicesCuid, localServicesCuid,
            infraPoolSize, defaultPoolSize, logLevel, logDir, globalServices, localServices, launcher, returnChannel,
            infra, defaults, gw, serialFilter);
    }

    /** The variable's number, or its default when it is not set. */
    private static long number(Map<String, String> env, Variable var) {
        String value = env.get(var.name());
        if (value == null || value.isEmpty()) {
            return Long.parseLong(var.defaultValue());
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException(var + " must be a number, got '" + value + "'");
        }
    }

    private static byte[] bytes(Map<String, String> env, Variable var) {
        String value = env.get(var.name());
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(var + " is not valid base64: " + e.getMessage());
        }
    }

    private static void putIfPresent(Map<String, String> env, Variable var, Object value) {
        if (value != null) {
            env.put(var.name(), value instanceof byte[] b ? Base64.getEncoder().encodeToString(b) : value.toString());
        }
    }
}
