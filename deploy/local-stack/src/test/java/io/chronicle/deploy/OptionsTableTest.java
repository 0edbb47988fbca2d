package io.chronicle.deploy;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The README documents exactly the options the code declares, with their defaults. */
class OptionsTableTest {

    private static String readmeSection(String name) throws Exception {
        String readme = Files.readString(Path.of("../../README.md"));
        String start = "<!-- " + name + ":start -->\n";
        String end = "<!-- " + name + ":end -->";
        int from = readme.indexOf(start);
        int to = readme.indexOf(end);
        assertThat(from).as("README has a %s section", name).isNotNegative();
        return readme.substring(from + start.length(), to);
    }

    @Test
    void readmeListsEveryChronicleOption() throws Exception {
        assertThat(readmeSection("options")).isEqualTo(OptionsTable.chronicleTable());
    }

    @Test
    void readmeListsEveryLocalStackOption() throws Exception {
        assertThat(readmeSection("local-options")).isEqualTo(OptionsTable.localStackTable());
    }

    @Test
    void mainPrintsBothTablesOrTheUsage() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);

        assertThat(OptionsTable.run(new String[0], outStream, errStream)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(OptionsTable.chronicleTable() + "\n"
                + OptionsTable.localStackTable() + "\n");
        out.reset();
        assertThat(OptionsTable.run(new String[] {"--help"}, outStream, errStream)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(OptionsTable.USAGE + "\n");
        out.reset();

        assertThat(OptionsTable.run(new String[] {"--bogus"}, outStream, errStream)).isEqualTo(2);
        assertThat(out.size()).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("OptionsTable: unknown option '--bogus'\n\n" + OptionsTable.USAGE + "\n");
    }
}
