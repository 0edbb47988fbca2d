package io.chronicle.core;

import java.io.PrintStream;

/**
 * Command-line manners shared by Chronicle's mains: {@code --help} (or {@code -h}) where an option
 * is expected prints the usage at once, before anything is built or connected; a wrong argument
 * prints one line naming it, then the usage.
 */
public final class CommandLine {

    /** Exit status of a command line that could not be parsed. */
    public static final int USAGE_ERROR = 2;

    private static final String ARGUMENTS_USAGE = String.join("\n",
            "  --config FILE      a YAML file of options, nested or flat keys,",
            "  --KEY VALUE        one option.",
            "Chronicle's options are under 'chronicle.' (docs/configuration.md lists them all);",
            "Flink's own options (execution.checkpointing.interval, parallelism.default, ...) may be",
            "given the same ways.");

    private CommandLine() {}

    /** True when {@code --help} or {@code -h} stands where an option name is expected. */
    public static boolean wantsHelp(String[] args, int firstOption) {
        for (int i = firstOption; i < args.length; i += 2) {
            if (args[i].equals("--help") || args[i].equals("-h")) {
                return true;
            }
        }
        return false;
    }

    /** Prints {@code program: message} on one line, then the usage. */
    public static void printError(PrintStream err, String program, String message, String usage) {
        err.println(program + ": " + message.replace('\n', ' '));
        err.println();
        err.println(usage);
    }

    /** The usage lines every job that takes Chronicle's configuration ends with. */
    public static String configurationUsage() {
        return String.join("\n",
                "Configuration, later sources winning:",
                "  the Flink configuration (config.yaml, -D KEY=VALUE, a FlinkDeployment's flinkConfiguration),",
                ARGUMENTS_USAGE);
    }

    /**
     * As {@link #configurationUsage()}, for a program that reads its configuration from its
     * arguments only, not from Flink's.
     */
    public static String argumentsConfigurationUsage() {
        return String.join("\n", "Configuration, later sources winning:", ARGUMENTS_USAGE);
    }
}
