package io.dragon.it;

import org.junit.jupiter.api.extension.ExtendWith;

/** The faults of {@link SlurmFaultsIT} that depend on the transport, again with the nodes' agents on libfabric. */
@ExtendWith(OverLibfabric.class)
class SlurmFaultsOfiIT extends SlurmFaultsIT {
}
