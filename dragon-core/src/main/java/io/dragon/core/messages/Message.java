package io.dragon.core.messages;

/**
 * An infrastructure message: a record in {@link Messages} with its wire code in a {@link MessageType.Code}
 * annotation. It carries a {@code tag} that its response echoes as {@code ref}.
 *
 * <p>Sealed, so that the catalog is closed: a record that implements this interface, {@link Request} or
 * {@link Response} does not compile until it is listed in that interface's {@code permits} clause, and
 * MessageCatalogTest checks that every permitted record has a code, round-trips and is in docs/messages.md.
 */
public sealed interface Message permits Request, Response,
    Messages.SHIsUp, Messages.SHChannelsUp, Messages.LAChannelsInfo,
    Messages.GSIsUp, Messages.GSHeadExit, Messages.GSTeardown, Messages.GSHalted, Messages.SHTeardown,
    Messages.SHHaltBE, Messages.SHTraceEvents, Messages.AbnormalTermination, Messages.SHProcessExit,
    Messages.SHFwdOutput, Messages.SHFwdInput, Messages.SHReplyChannel, Messages.TreeRegister, Messages.TreeParent,
    Messages.TreeJoin, Messages.TreeHeartbeat, Messages.BENodeUp, Messages.BEForward, Messages.BELogs,
    Messages.TreeDown, Messages.TreeUp,
    Messages.TreeReduce {
    /** Unique per sender. */
    long tag();

    /** This message's wire code and name. */
    default MessageType type() {
        return MessageType.of(getClass());
    }
}
