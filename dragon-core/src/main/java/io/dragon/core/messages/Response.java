package io.dragon.core.messages;

/**
 * The answer to a {@link Request}: {@code ref} is the request's tag, {@code err} is {@link #SUCCESS} or a failure.
 * Sealed like {@link Message}: a new response record is listed here.
 */
public sealed interface Response extends Message permits
    Messages.GSProcessCreateResponse, Messages.SHProcessCreateResponse, Messages.GSProcessJoinResponse,
    Messages.GSProcessQueryResponse, Messages.GSProcessListResponse, Messages.GSProcessKillResponse,
    Messages.SHProcessKillResponse, Messages.GSChannelCreateResponse, Messages.GSChannelQueryResponse,
    Messages.GSChannelListResponse, Messages.GSChannelDestroyResponse, Messages.SHChannelCreateResponse,
    Messages.SHChannelDestroyResponse, Messages.GSPoolCreateResponse, Messages.GSPoolQueryResponse,
    Messages.GSPoolListResponse, Messages.GSPoolDestroyResponse, Messages.SHPoolCreateResponse,
    Messages.SHPoolDestroyResponse, Messages.GSNameBindResponse, Messages.GSNameLookupResponse,
    Messages.GSNameUnbindResponse, Messages.GSNodeListResponse {
    int SUCCESS = 0;
    int FAIL = 1;
    int NOT_FOUND = 2;
    int ALREADY = 3;
    int TIMEOUT = 4;

    long ref();

    int err();

    /** Why it failed, for a person to read; empty on success. */
    String errInfo();

    default boolean ok() {
        return err() == SUCCESS;
    }
}
