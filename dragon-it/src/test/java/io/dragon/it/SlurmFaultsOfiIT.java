package io.dragon.it;

import org.junit.jupiter.api.extension.ExtendWith;

/** Every fault of {@link SlurmFaultsIT} again, with the nodes' transport agents on libfabric. */
@ExtendWith(OverLibfabric.class)
class SlurmFaultsOfiIT extends SlurmFaultsIT {
}
