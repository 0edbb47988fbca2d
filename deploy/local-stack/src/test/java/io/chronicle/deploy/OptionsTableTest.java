package io.chronicle.deploy;

import org.junit.jupiter.api.Test;

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
}
