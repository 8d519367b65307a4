package io.dragon.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code key=value} arguments of a benchmark role; every tunable has its default where it is read. */
final class Options {
    private final Map<String, String> values = new LinkedHashMap<>();

    static Options parse(String[] args, int from) {
        Options options = new Options();
        for (int i = from; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, got '" + args[i] + "'");
            }
            options.values.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        return options;
    }

    Options put(String key, Object value) {
        values.put(key, String.valueOf(value));
        return this;
    }

    String get(String key) {
        String value = values.get(key);
        if (value == null) {
            throw new IllegalArgumentException("missing argument " + key + "=...");
        }
        return value;
    }

    String get(String key, String defaultValue) {
        return values.getOrDefault(key, defaultValue);
    }

    int getInt(String key, int defaultValue) {
        String value = values.get(key);
        return value == null ? defaultValue : Integer.parseInt(value.replace("_", ""));
    }

    long getLong(String key, long defaultValue) {
        String value = values.get(key);
        return value == null ? defaultValue : Long.parseLong(value.replace("_", ""));
    }

    List<String> toArgs() {
        List<String> args = new ArrayList<>();
        values.forEach((k, v) -> args.add(k + "=" + v));
        return args;
    }

    @Override
    public String toString() {
        return String.join(" ", toArgs());
    }
}
