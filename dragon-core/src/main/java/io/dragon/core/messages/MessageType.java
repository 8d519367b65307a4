package io.dragon.core.messages;

import io.dragon.core.messages.Messages.AbnormalTermination;
import io.dragon.core.messages.Messages.GSChannelCreate;
import io.dragon.core.messages.Messages.GSChannelCreateResponse;
import io.dragon.core.messages.Messages.GSChannelDestroy;
import io.dragon.core.messages.Messages.GSChannelDestroyResponse;
import io.dragon.core.messages.Messages.GSChannelList;
import io.dragon.core.messages.Messages.GSChannelListResponse;
import io.dragon.core.messages.Messages.GSChannelQuery;
import io.dragon.core.messages.Messages.GSChannelQueryResponse;
import io.dragon.core.messages.Messages.GSHalted;
import io.dragon.core.messages.Messages.GSHeadExit;
import io.dragon.core.messages.Messages.GSIsUp;
import io.dragon.core.messages.Messages.GSNameBind;
import io.dragon.core.messages.Messages.GSNameBindResponse;
import io.dragon.core.messages.Messages.GSNameLookup;
import io.dragon.core.messages.Messages.GSNameLookupResponse;
import io.dragon.core.messages.Messages.GSNameUnbind;
import io.dragon.core.messages.Messages.GSNameUnbindResponse;
import io.dragon.core.messages.Messages.GSNodeList;
import io.dragon.core.messages.Messages.GSNodeListResponse;
import io.dragon.core.messages.Messages.GSPingSH;
import io.dragon.core.messages.Messages.GSPoolCreate;
import io.dragon.core.messages.Messages.GSPoolCreateResponse;
import io.dragon.core.messages.Messages.GSPoolDestroy;
import io.dragon.core.messages.Messages.GSPoolDestroyResponse;
import io.dragon.core.messages.Messages.GSPoolList;
import io.dragon.core.messages.Messages.GSPoolListResponse;
import io.dragon.core.messages.Messages.GSPoolQuery;
import io.dragon.core.messages.Messages.GSPoolQueryResponse;
import io.dragon.core.messages.Messages.GSProcessCreate;
import io.dragon.core.messages.Messages.GSProcessCreateResponse;
import io.dragon.core.messages.Messages.GSProcessJoin;
import io.dragon.core.messages.Messages.GSProcessJoinResponse;
import io.dragon.core.messages.Messages.GSProcessKill;
import io.dragon.core.messages.Messages.GSProcessKillResponse;
import io.dragon.core.messages.Messages.GSProcessList;
import io.dragon.core.messages.Messages.GSProcessListResponse;
import io.dragon.core.messages.Messages.GSProcessQuery;
import io.dragon.core.messages.Messages.GSProcessQueryResponse;
import io.dragon.core.messages.Messages.GSTeardown;
import io.dragon.core.messages.Messages.SHChannelCreate;
import io.dragon.core.messages.Messages.SHChannelCreateResponse;
import io.dragon.core.messages.Messages.SHChannelDestroy;
import io.dragon.core.messages.Messages.SHChannelDestroyResponse;
import io.dragon.core.messages.Messages.SHChannelsUp;
import io.dragon.core.messages.Messages.SHFwdInput;
import io.dragon.core.messages.Messages.SHFwdOutput;
import io.dragon.core.messages.Messages.SHHaltBE;
import io.dragon.core.messages.Messages.SHIsUp;
import io.dragon.core.messages.Messages.SHPingGS;
import io.dragon.core.messages.Messages.SHPoolCreate;
import io.dragon.core.messages.Messages.SHPoolCreateResponse;
import io.dragon.core.messages.Messages.SHPoolDestroy;
import io.dragon.core.messages.Messages.SHPoolDestroyResponse;
import io.dragon.core.messages.Messages.SHProcessCreate;
import io.dragon.core.messages.Messages.SHProcessCreateResponse;
import io.dragon.core.messages.Messages.SHProcessExit;
import io.dragon.core.messages.Messages.SHProcessKill;
import io.dragon.core.messages.Messages.SHProcessKillResponse;
import io.dragon.core.messages.Messages.SHReplyChannel;
import io.dragon.core.messages.Messages.SHTeardown;
import io.dragon.core.messages.Messages.LAChannelsInfo;
import io.dragon.core.messages.Messages.BENodeUp;
import io.dragon.core.messages.Messages.BEForward;
import io.dragon.core.messages.Messages.TreeDown;
import io.dragon.core.messages.Messages.TreeHeartbeat;
import io.dragon.core.messages.Messages.TreeJoin;
import io.dragon.core.messages.Messages.TreeParent;
import io.dragon.core.messages.Messages.TreeReduce;
import io.dragon.core.messages.Messages.TreeRegister;
import io.dragon.core.messages.Messages.TreeUp;
import java.util.HashMap;
import java.util.Map;

/** Wire codes of the messages in {@link Messages}. Codes are part of the protocol: never reuse or renumber one. */
public enum MessageType {
    SH_IS_UP(1, SHIsUp.class),
    SH_CHANNELS_UP(2, SHChannelsUp.class),
    GS_PING_SH(3, GSPingSH.class),
    SH_PING_GS(4, SHPingGS.class),
    GS_IS_UP(5, GSIsUp.class),
    GS_HEAD_EXIT(6, GSHeadExit.class),
    GS_TEARDOWN(7, GSTeardown.class),
    GS_HALTED(8, GSHalted.class),
    SH_TEARDOWN(9, SHTeardown.class),
    SH_HALT_BE(10, SHHaltBE.class),
    ABNORMAL_TERMINATION(11, AbnormalTermination.class),
    LA_CHANNELS_INFO(12, LAChannelsInfo.class),

    GS_PROCESS_CREATE(20, GSProcessCreate.class),
    GS_PROCESS_CREATE_RESPONSE(21, GSProcessCreateResponse.class),
    SH_PROCESS_CREATE(22, SHProcessCreate.class),
    SH_PROCESS_CREATE_RESPONSE(23, SHProcessCreateResponse.class),
    SH_PROCESS_EXIT(24, SHProcessExit.class),
    GS_PROCESS_JOIN(25, GSProcessJoin.class),
    GS_PROCESS_JOIN_RESPONSE(26, GSProcessJoinResponse.class),
    GS_PROCESS_QUERY(27, GSProcessQuery.class),
    GS_PROCESS_QUERY_RESPONSE(28, GSProcessQueryResponse.class),
    GS_PROCESS_LIST(29, GSProcessList.class),
    GS_PROCESS_LIST_RESPONSE(30, GSProcessListResponse.class),
    GS_PROCESS_KILL(31, GSProcessKill.class),
    GS_PROCESS_KILL_RESPONSE(32, GSProcessKillResponse.class),
    SH_PROCESS_KILL(33, SHProcessKill.class),
    SH_PROCESS_KILL_RESPONSE(34, SHProcessKillResponse.class),
    SH_FWD_OUTPUT(35, SHFwdOutput.class),
    SH_FWD_INPUT(36, SHFwdInput.class),
    SH_REPLY_CHANNEL(37, SHReplyChannel.class),

    GS_CHANNEL_CREATE(40, GSChannelCreate.class),
    GS_CHANNEL_CREATE_RESPONSE(41, GSChannelCreateResponse.class),
    GS_CHANNEL_QUERY(42, GSChannelQuery.class),
    GS_CHANNEL_QUERY_RESPONSE(43, GSChannelQueryResponse.class),
    GS_CHANNEL_LIST(44, GSChannelList.class),
    GS_CHANNEL_LIST_RESPONSE(45, GSChannelListResponse.class),
    GS_CHANNEL_DESTROY(46, GSChannelDestroy.class),
    GS_CHANNEL_DESTROY_RESPONSE(47, GSChannelDestroyResponse.class),
    SH_CHANNEL_CREATE(48, SHChannelCreate.class),
    SH_CHANNEL_CREATE_RESPONSE(49, SHChannelCreateResponse.class),
    SH_CHANNEL_DESTROY(50, SHChannelDestroy.class),
    SH_CHANNEL_DESTROY_RESPONSE(51, SHChannelDestroyResponse.class),
    GS_POOL_CREATE(52, GSPoolCreate.class),
    GS_POOL_CREATE_RESPONSE(53, GSPoolCreateResponse.class),
    GS_POOL_QUERY(54, GSPoolQuery.class),
    GS_POOL_QUERY_RESPONSE(55, GSPoolQueryResponse.class),
    GS_POOL_LIST(56, GSPoolList.class),
    GS_POOL_LIST_RESPONSE(57, GSPoolListResponse.class),
    GS_POOL_DESTROY(58, GSPoolDestroy.class),
    GS_POOL_DESTROY_RESPONSE(59, GSPoolDestroyResponse.class),
    SH_POOL_CREATE(60, SHPoolCreate.class),
    SH_POOL_CREATE_RESPONSE(61, SHPoolCreateResponse.class),
    SH_POOL_DESTROY(62, SHPoolDestroy.class),
    SH_POOL_DESTROY_RESPONSE(63, SHPoolDestroyResponse.class),

    GS_NAME_BIND(70, GSNameBind.class),
    GS_NAME_BIND_RESPONSE(71, GSNameBindResponse.class),
    GS_NAME_LOOKUP(72, GSNameLookup.class),
    GS_NAME_LOOKUP_RESPONSE(73, GSNameLookupResponse.class),
    GS_NAME_UNBIND(74, GSNameUnbind.class),
    GS_NAME_UNBIND_RESPONSE(75, GSNameUnbindResponse.class),
    GS_NODE_LIST(76, GSNodeList.class),
    GS_NODE_LIST_RESPONSE(77, GSNodeListResponse.class),

    TREE_REGISTER(80, TreeRegister.class),
    TREE_PARENT(81, TreeParent.class),
    TREE_JOIN(82, TreeJoin.class),
    TREE_DOWN(83, TreeDown.class),
    TREE_UP(84, TreeUp.class),
    TREE_REDUCE(85, TreeReduce.class),
    BE_NODE_UP(86, BENodeUp.class),
    BE_FORWARD(87, BEForward.class),
    TREE_HEARTBEAT(88, TreeHeartbeat.class);

    private static final Map<Integer, MessageType> BY_CODE = new HashMap<>();
    private static final Map<Class<?>, MessageType> BY_CLASS = new HashMap<>();

    static {
        for (MessageType type : values()) {
            if (BY_CODE.put(type.code, type) != null || BY_CLASS.put(type.messageClass, type) != null) {
                throw new AssertionError("duplicate message code or class: " + type);
            }
        }
    }

    private final int code;
    private final Class<? extends Message> messageClass;

    MessageType(int code, Class<? extends Message> messageClass) {
        this.code = code;
        this.messageClass = messageClass;
    }

    public int code() {
        return code;
    }

    public Class<? extends Message> messageClass() {
        return messageClass;
    }

    /** The type with this wire code, or null if none. */
    public static MessageType fromCode(long code) {
        return code == (int) code ? BY_CODE.get((int) code) : null;
    }

    public static MessageType of(Class<?> messageClass) {
        MessageType type = BY_CLASS.get(messageClass);
        if (type == null) {
            throw new IllegalArgumentException(messageClass.getName() + " is not in the message catalog");
        }
        return type;
    }

    @Override
    public String toString() {
        return messageClass.getSimpleName();
    }
}
