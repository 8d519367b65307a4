package io.dragon.backend.launcher;

import io.dragon.core.messages.Messages.ProcessSpec;
import java.nio.file.Path;

/**
 * What the user asked the launcher for, beyond the runtime's {@link io.dragon.core.infrastructure.LaunchParameters}.
 *
 * @param head        the program to run as the head process
 * @param labelOutput prefix every output line with its hostname and p_uid
 * @param quiet       say nothing on stderr but problems: no summary lines, no bringup progress
 * @param trace       where to write the run's timeline ({@code dragon --trace}), or null for none
 */
public record LaunchOptions(ProcessSpec head, boolean labelOutput, boolean quiet, Path trace) {
}
