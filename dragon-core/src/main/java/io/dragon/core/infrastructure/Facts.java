package io.dragon.core.infrastructure;

/**
 * Conventional ids and defaults of the runtime, as in the original Dragon: infrastructure objects have small fixed
 * ids, user objects get ids from {@link #FIRST_USER_ID} upwards.
 */
public final class Facts {
    /** p_uid of the launcher. */
    public static final long LAUNCHER_PUID = 0;
    /** p_uid of Global Services. */
    public static final long GS_PUID = 1;
    /** p_uid of Local Services on node 0; node i has {@code LOCAL_SERVICES_PUID + i}. */
    public static final long LOCAL_SERVICES_PUID = 2;

    /** c_uid of the channel the launcher receives on. */
    public static final long LAUNCHER_CUID = 1;
    /** c_uid of the channel Global Services receives on. */
    public static final long GS_CUID = 2;
    /** c_uid of the channel Local Services of node 0 receives on; node i has {@code SHEP_CUID + i}. */
    public static final long SHEP_CUID = 3;
    /** c_uid of each node's gateway channel, read by the node's transport agent (one per node: no node index). */
    public static final long GATEWAY_CUID = 1L << 31;

    /** m_uid of the infrastructure pool of node 0, then of its default (user) pool; per node i, add 2i. */
    public static final long INFRA_POOL_MUID = 1;
    public static final long DEFAULT_POOL_MUID = 2;

    /** First p_uid, c_uid and m_uid handed to user objects. */
    public static final long FIRST_USER_ID = 1L << 32;

    /** Defaults for pools and channels; all can be changed through launch parameters. */
    public static final long DEFAULT_INFRA_POOL_SIZE = 64L << 20;
    public static final long DEFAULT_POOL_SIZE = 1L << 30;
    public static final int INFRA_CHANNEL_CAPACITY = 1024;
    public static final int INFRA_CHANNEL_BLOCK_SIZE = 1024;

    private Facts() {
    }

    public static long shepherdCuid(int nodeIndex) {
        return SHEP_CUID + nodeIndex;
    }
}
