package io.dragon.backend.launcher;

import io.dragon.core.messages.Messages.ProcessSpec;

/**
 * What the user asked the launcher for, beyond the runtime's {@link io.dragon.core.infrastructure.LaunchParameters}.
 *
 * @param head        the program to run as the head process
 * @param labelOutput prefix every output line with its hostname and p_uid
 * @param quiet       say nothing on stderr but problems: no summary lines, no bringup progress
 */
public record LaunchOptions(ProcessSpec head, boolean labelOutput, boolean quiet) {
}
