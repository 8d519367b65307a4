package io.dragon.backend.globalservices;

import io.dragon.core.messages.MessageChannel;
import io.dragon.core.messages.Messages.ProcessInfo;
import io.dragon.core.messages.Messages.ProcessSpec;
import io.dragon.core.messages.Messages.ProcessState;

/** Global Services' entry for one managed process. */
final class ProcessRecord {
    final long puid;
    final ProcessSpec spec;
    final int node;
    String hostname = "";
    long pid = -1;
    ProcessState state = ProcessState.PENDING;
    int exitCode;
    /** The process's channel for Global Services' answers, while it runs. */
    MessageChannel returnChannel;

    ProcessRecord(long puid, ProcessSpec spec, int node) {
        this.puid = puid;
        this.spec = spec;
        this.node = node;
    }

    boolean hasEnded() {
        return state == ProcessState.EXITED || state == ProcessState.FAILED;
    }

    ProcessInfo info() {
        return new ProcessInfo(puid, spec.name(), node, hostname, pid, state, exitCode);
    }
}
