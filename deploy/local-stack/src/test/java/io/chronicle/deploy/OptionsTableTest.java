package io.chronicle.deploy;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The documentation lists exactly the options the code declares, with their defaults: Chronicle's
 * options in docs/configuration.md, the local stack's in docs/quickstart.md, each table once.
 */
class OptionsTableTest {

    private static final Path ROOT = Path.of("../..");

    /** The text between a section's markers in {@code page}; the page must have them, in order. */
    private static String section(String page, String name) throws IOException {
        String text = Files.readString(ROOT.resolve(page));
        String start = "<!-- " + name + ":start -->\n";
        String end = "<!-- " + name + ":end -->";
        int from = text.indexOf(start);
        int to = text.indexOf(end);
        assertThat(from).as("%s has a %s section", page, name).isNotNegative();
        assertThat(to).as("%s ends its %s section after it starts", page, name).isGreaterThan(from);
        return text.substring(from + start.length(), to);
    }

    /** README.md and every page under docs/ whose text holds {@code marker}. */
    private static List<String> pagesHolding(String marker) throws IOException {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        List<String> holding = new ArrayList<>();
        for (Path page : pages) {
            if (Files.readString(page).contains(marker)) {
                holding.add(ROOT.relativize(page).toString());
            }
        }
        return holding;
    }

    @Test
    void configurationListsEveryChronicleOption() throws Exception {
        assertThat(section("docs/configuration.md", "options")).isEqualTo(OptionsTable.chronicleTable());
    }

    @Test
    void quickstartListsEveryLocalStackOption() throws Exception {
        assertThat(section("docs/quickstart.md", "local-options")).isEqualTo(OptionsTable.localStackTable());
    }

    @Test
    void eachTableHasOneCopy() throws Exception {
        assertThat(pagesHolding("<!-- options:start -->")).containsExactly("docs/configuration.md");
        assertThat(pagesHolding("<!-- local-options:start -->")).containsExactly("docs/quickstart.md");
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
