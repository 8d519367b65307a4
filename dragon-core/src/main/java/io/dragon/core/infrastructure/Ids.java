package io.dragon.core.infrastructure;

/**
 * The runtime's id scheme, as in the original Dragon: the runtime's own processes, channels and pools have small
 * fixed ids, derived from the node index where there is one per node; user objects get ids from
 * {@link #FIRST_USER_ID} upwards, handed out by Global Services.
 *
 * <pre>
 *  p_uid  0          the launcher
 *         1          Global Services
 *         2 + n      Local Services of node n
 *         2^32 ..    user processes
 *  c_uid  1          the launcher's channel
 *         2          Global Services' channel
 *         3 + n      Local Services' channel of node n
 *         2^31       each node's gateway channel, read by the node's transport agent (node-local: no index)
 *         2^32 ..    user channels
 *  m_uid  1 + 2n     infrastructure pool of node n (the runtime's channels)
 *         2 + 2n     default pool of node n (user objects created without a pool)
 *         2^32 ..    user pools
 * </pre>
 */
public final class Ids {
    public static final long LAUNCHER_PUID = 0;
    public static final long GLOBAL_SERVICES_PUID = 1;
    public static final long LAUNCHER_CUID = 1;
    public static final long GLOBAL_SERVICES_CUID = 2;
    public static final long GATEWAY_CUID = 1L << 31;
    /** First p_uid, c_uid and m_uid handed to user objects. */
    public static final long FIRST_USER_ID = 1L << 32;

    private static final long FIRST_LOCAL_SERVICES_PUID = 2;
    private static final long FIRST_LOCAL_SERVICES_CUID = 3;
    private static final long FIRST_INFRA_POOL_MUID = 1;

    private Ids() {
    }

    public static long localServicesPuid(int node) {
        return FIRST_LOCAL_SERVICES_PUID + node;
    }

    public static long localServicesCuid(int node) {
        return FIRST_LOCAL_SERVICES_CUID + node;
    }

    public static long infraPoolMuid(int node) {
        return FIRST_INFRA_POOL_MUID + 2L * node;
    }

    public static long defaultPoolMuid(int node) {
        return infraPoolMuid(node) + 1;
    }

    /** Whether {@code muid} is the infrastructure pool of some node. */
    public static boolean isInfraPool(long muid) {
        return muid >= FIRST_INFRA_POOL_MUID && !isUserId(muid) && (muid - FIRST_INFRA_POOL_MUID) % 2 == 0;
    }

    /** The node whose Local Services has p_uid {@code puid}, or -1 if it is not a Local Services' p_uid. */
    public static int localServicesNode(long puid) {
        return puid >= FIRST_LOCAL_SERVICES_PUID && !isUserId(puid) ? (int) (puid - FIRST_LOCAL_SERVICES_PUID) : -1;
    }

    /** Whether {@code id} (a p_uid, c_uid or m_uid) belongs to a user object rather than to the runtime. */
    public static boolean isUserId(long id) {
        return id >= FIRST_USER_ID;
    }
}
