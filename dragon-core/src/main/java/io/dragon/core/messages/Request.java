package io.dragon.core.messages;

/**
 * A message that expects a response: it names its sender ({@code puid}) and the channel to answer on. Sealed like
 * {@link Message}: a new request record is listed here.
 */
public sealed interface Request extends Message permits
    Messages.GSProcessCreate, Messages.SHProcessCreate, Messages.GSProcessJoin, Messages.GSProcessQuery,
    Messages.GSProcessList, Messages.GSProcessKill, Messages.SHProcessKill, Messages.GSChannelCreate,
    Messages.GSChannelQuery, Messages.GSChannelList, Messages.GSChannelDestroy, Messages.SHChannelCreate,
    Messages.SHChannelDestroy, Messages.GSPoolCreate, Messages.GSPoolQuery, Messages.GSPoolList,
    Messages.GSPoolDestroy, Messages.SHPoolCreate, Messages.SHPoolDestroy, Messages.GSNameBind,
    Messages.GSNameLookup, Messages.GSNameUnbind, Messages.GSNodeList {
    /** The sender's p_uid. */
    long puid();

    /** The c_uid of the channel to answer on. */
    long rCuid();
}
