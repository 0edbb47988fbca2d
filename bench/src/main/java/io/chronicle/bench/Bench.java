package io.chronicle.bench;

import io.chronicle.core.CommandLine;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.description.HtmlFormatter;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Runs one benchmark suite by name ({@code bench/run rollups --points 500000}), prints its table
 * and writes its results as JSON. Suites are listed by {@code bench/run --help}.
 */
public final class Bench {

    private static final List<Suite> SUITES = List.of(new RollupSuite(), new AlertSuite(), new VictoriaMetricsSuite(), new IngestSuite(), new FormatsSuite(),
            new LifeSuite(),
            new JmhSuite());

    static final String PROGRAM = "bench/run";

    private Bench() {}

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Checks the command line before anything starts (the usage for {@code --help}; one line
     * naming a wrong argument, then the usage), then runs the suite. Returns the exit status: 1
     * when the run's output differs from what its input implies.
     */
    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        // Options follow the suite's name, when it is given.
        int firstOption = args.length > 0 && !args[0].startsWith("-") ? 1 : 0;
        if (CommandLine.wantsHelp(args, firstOption)) {
            out.println(usage());
            return 0;
        }
        if (args.length == 0) {
            CommandLine.printError(err, PROGRAM, "no suite given", usage());
            return CommandLine.USAGE_ERROR;
        }
        Optional<Suite> suite = SUITES.stream().filter(s -> s.name().equals(args[0])).findFirst();
        if (suite.isEmpty()) {
            CommandLine.printError(err, PROGRAM, "unknown suite '" + args[0] + "': expected one of "
                    + SUITES.stream().map(Suite::name).collect(Collectors.joining(", ")), usage());
            return CommandLine.USAGE_ERROR;
        }
        Configuration conf;
        try {
            conf = BenchOptions.parse(Arrays.asList(args).subList(1, args.length), suite.get().options());
        } catch (IllegalArgumentException e) {
            CommandLine.printError(err, PROGRAM, e.getMessage(), usage());
            return CommandLine.USAGE_ERROR;
        }
        Report report = suite.get().run(conf);
        report.print(out);
        Path file = report.write(Path.of(conf.get(BenchOptions.RESULTS_DIR)));
        out.println("Results: " + file);
        if (!report.failures.isEmpty()) {
            err.println("The run's output differs from what its input implies:");
            report.failures.forEach(f -> err.println("  " + f));
            return 1;
        }
        return 0;
    }

    /**
     * The suites and their options. bench/run prints the same text from bench/usage.txt, before
     * anything is compiled; a test holds the two equal.
     */
    static String usage() {
        StringBuilder out = new StringBuilder("usage: " + PROGRAM + " <suite> [--option value]...\n\nSuites:\n");
        SUITES.forEach(s -> {
            out.append(String.format("  %-10s %s\n", s.name(), s.description()));
            out.append(String.format("  %-10s options: %s\n", "",
                    s.options().stream().map(ConfigOption::key).collect(Collectors.joining(", "))));
        });
        out.append("\nOptions:\n");
        HtmlFormatter formatter = new HtmlFormatter();
        for (ConfigOption<?> option : BenchOptions.all()) {
            out.append(String.format("  --%-20s %s (default %s)\n", option.key(),
                    formatter.format(option.description()), BenchOptions.format(option.defaultValue())));
        }
        return out.toString().stripTrailing();
    }
}
