package io.chronicle.bench;

import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A variant named with Chronicle options of its own, {@code chronicle-full{key=value,key=value}}:
 * the same variant run with those options beside it as it is, so one run measures what an option
 * changes, side by side. The options are checked against Chronicle's own, naming a bad one.
 *
 * @param base the variant's name without its options
 * @param conf the options, as Chronicle's configuration
 * @param suffix the options as the name gives them, braces included; empty without options
 * @param index the variant's place in the list, which keeps its tables apart from the base variant's
 */
record VariantOptions(String base, Configuration conf, String suffix, int index) {

    /** {@code name} as {@code option} gives it: a variant's name, then its options in braces if any. */
    static VariantOptions parse(String option, String name, int index) {
        int open = name.indexOf('{');
        if (open < 0) {
            return new VariantOptions(name, new Configuration(), "", index);
        }
        if (!name.endsWith("}")) {
            throw invalid(option, name, "its options end with '}'");
        }
        Set<String> keys = ChronicleOptions.all().stream().map(ConfigOption::key).collect(Collectors.toSet());
        Map<String, String> values = new LinkedHashMap<>();
        for (String pair : name.substring(open + 1, name.length() - 1).split(",")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair.trim() : pair.substring(0, eq).trim();
            if (eq < 0 || !keys.contains(key)) {
                throw invalid(option, name, "'" + pair + "' is not key=value of a Chronicle option");
            }
            values.put(key, pair.substring(eq + 1).trim());
        }
        return new VariantOptions(name.substring(0, open), Configuration.fromMap(values),
                name.substring(open), index);
    }

    /** Keeps the namespace of a variant with options apart from its base variant's. */
    String namespaceSuffix() {
        return suffix.isEmpty() ? "" : "_v" + index;
    }

    private static IllegalArgumentException invalid(String option, String name, String why) {
        return new IllegalArgumentException("Invalid value for option '" + option + "': variant '" + name + "': " + why);
    }
}
