package io.chronicle.deploy;

import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.CommandLine;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.description.HtmlFormatter;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

/**
 * The documentation's option tables, generated from the declared options: Chronicle's options in
 * docs/configuration.md and the local stack's in docs/quickstart.md, each between its
 * {@code <!-- name:start -->} and {@code <!-- name:end -->} markers. {@code OptionsTableTest} fails
 * when a page differs; {@link #main} prints the tables to paste.
 */
public final class OptionsTable {

    static final String PROGRAM = "OptionsTable";

    static final String USAGE = String.join("\n",
            "usage: " + PROGRAM,
            "",
            "Prints the README's option tables, generated from the declared options: Chronicle's,",
            "then the local stack's, each to paste between its markers in the README.");

    private OptionsTable() {}

    public static String chronicleTable() {
        return table(ChronicleOptions.all());
    }

    public static String localStackTable() {
        return table(LocalStackOptions.all());
    }

    static String table(List<ConfigOption<?>> options) {
        StringBuilder out = new StringBuilder("| option | default | description |\n|---|---|---|\n");
        HtmlFormatter formatter = new HtmlFormatter();
        for (ConfigOption<?> option : options) {
            out.append("| `").append(option.key()).append("` | ")
                    .append(option.hasDefaultValue() ? "`" + format(option.defaultValue()) + "`" : "(none)")
                    .append(" | ")
                    .append(formatter.format(option.description()).replace("|", "\\|"))
                    .append(" |\n");
        }
        return out.toString();
    }

    private static String format(Object value) {
        if (value instanceof Duration) {
            Duration d = (Duration) value;
            if (d.toDaysPart() > 0 && d.toHoursPart() == 0 && d.toMinutesPart() == 0) {
                return d.toDays() + " d";
            } else if (d.toSeconds() % 3_600 == 0) {
                return d.toHours() + " h";
            }
            return d.toSeconds() % 60 == 0 ? d.toMinutes() + " min" : d.toSeconds() + " s";
        } else if (value instanceof java.util.Map && ((java.util.Map<?, ?>) value).isEmpty()) {
            return "{}";
        }
        return String.valueOf(value);
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Prints the tables, or the usage for {@code --help}; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (CommandLine.wantsHelp(args, 0)) {
            out.println(USAGE);
            return 0;
        }
        if (args.length > 0) {
            CommandLine.printError(err, PROGRAM, (args[0].startsWith("-") ? "unknown option '"
                    : "unexpected argument '") + args[0] + "'", USAGE);
            return CommandLine.USAGE_ERROR;
        }
        out.println(chronicleTable());
        out.println(localStackTable());
        return 0;
    }
}
