package io.dragon.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Durations like {@code 90s}, {@code 2m}, {@code 1h}, {@code 1500ms} or {@code 1500} (ms), in milliseconds. */
final class DurationConverter implements ITypeConverter<Long> {
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,12}) ?(ms|s|m|h)?");

    @Override
    public Long convert(String value) {
        Matcher duration = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (duration.matches()) {
            long number = Long.parseLong(duration.group(1));
            String unit = duration.group(2) == null ? "ms" : duration.group(2);
            long millis = number * switch (unit) {
                case "s" -> 1_000L;
                case "m" -> 60_000L;
                case "h" -> 3_600_000L;
                default -> 1L;
            };
            if (millis > 0) {
                return millis;
            }
        }
        throw new TypeConversionException("'" + value + "' is not a duration (examples: 90s, 2m, 1500ms)");
    }
}
