package io.chronicle.bench;

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

    private static final List<Suite> SUITES = List.of(new RollupSuite(), new AlertSuite(), new VictoriaMetricsSuite(), new IngestSuite(),
            new JmhSuite());

    private Bench() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            usage(System.out);
            return;
        }
        Optional<Suite> suite = SUITES.stream().filter(s -> s.name().equals(args[0])).findFirst();
        if (suite.isEmpty()) {
            System.err.println("Unknown suite '" + args[0] + "'.");
            usage(System.err);
            System.exit(2);
        }
        Configuration conf;
        try {
            conf = BenchOptions.parse(Arrays.asList(args).subList(1, args.length), suite.get().options());
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Report report = suite.get().run(conf);
        report.print(System.out);
        Path file = report.write(Path.of(conf.get(BenchOptions.RESULTS_DIR)));
        System.out.println("Results: " + file);
        if (!report.failures.isEmpty()) {
            System.err.println("The run's output differs from what its input implies:");
            report.failures.forEach(f -> System.err.println("  " + f));
            System.exit(1);
        }
    }

    private static void usage(PrintStream out) {
        out.println("Usage: bench/run <suite> [--option value]...");
        out.println();
        out.println("Suites:");
        SUITES.forEach(s -> {
            out.printf("  %-10s %s%n", s.name(), s.description());
            out.printf("  %-10s options: %s%n", "",
                    s.options().stream().map(ConfigOption::key).collect(Collectors.joining(", ")));
        });
        out.println();
        out.println("Options:");
        HtmlFormatter formatter = new HtmlFormatter();
        for (ConfigOption<?> option : BenchOptions.all()) {
            out.printf("  --%-20s %s (default %s)%n", option.key(), formatter.format(option.description()),
                    BenchOptions.format(option.defaultValue()));
        }
    }
}
