package io.dragon.backend.launcher;

import io.dragon.core.messages.Messages.ProcessSpec;

/**
 * What the user asked the launcher for, beyond the runtime's {@link io.dragon.core.infrastructure.LaunchParameters}.
 *
 * @param head        the program to run as the head process
 * @param labelOutput prefix every output line with its hostname and p_uid
 */
public record LaunchOptions(ProcessSpec head, boolean labelOutput) {
}
