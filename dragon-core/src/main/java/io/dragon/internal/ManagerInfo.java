package io.dragon.internal;

import java.io.Serializable;

/**
 * What a client of a {@link io.dragon.DDict} needs to reach one of its managers, as the manager reports it once
 * set up: its place, its process, its request channel, and its shard, which processes of its node use directly.
 *
 * @param index    the manager's index among the dictionary's managers (keys hash to it)
 * @param node     the node it runs on
 * @param host     that node's host id, where its transport agent performs single-key operations on the shard
 * @param puid     its process
 * @param requests its request channel's descriptor
 * @param shard    its shard's descriptor ({@link io.dragon.core.map.Shard#serialize()})
 */
public record ManagerInfo(int index, int node, long host, long puid, byte[] requests, byte[] shard)
    implements Serializable {
}
