package io.chronicle.core;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class CommandLineTest {

    @Test
    void helpCountsOnlyWhereAnOptionNameIsExpected() {
        assertThat(CommandLine.wantsHelp(new String[] {"--help"}, 0)).isTrue();
        assertThat(CommandLine.wantsHelp(new String[] {"--config", "c.yaml", "-h"}, 0)).isTrue();
        assertThat(CommandLine.wantsHelp(new String[] {"rebuild", "--tier", "5m", "--help"}, 1)).isTrue();
        // The value of an option, and the command before the options, are not asking for help.
        assertThat(CommandLine.wantsHelp(new String[] {"--chronicle.catalog.name", "--help"}, 0)).isFalse();
        assertThat(CommandLine.wantsHelp(new String[] {"--help", "--tier", "5m"}, 1)).isFalse();
        assertThat(CommandLine.wantsHelp(new String[] {"--helpful", "yes"}, 0)).isFalse();
        assertThat(CommandLine.wantsHelp(new String[0], 0)).isFalse();
    }

    @Test
    void anErrorIsOneLineNamingTheProgramThenTheUsage() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        CommandLine.printError(new PrintStream(err, true, StandardCharsets.UTF_8), "tool",
                "Option '--x' is wrong:\nreally", "usage: tool [--x X]\n\nMore.");

        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("tool: Option '--x' is wrong: really\n\nusage: tool [--x X]\n\nMore.\n");
    }
}
