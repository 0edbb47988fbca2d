package io.chronicle.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The documentation holds together: the README links every page under docs/; every relative link
 * of README.md, docs/*.md, bench/README.md and deploy/*&#47;README.md points to a file in the
 * repository (in git, not git-ignored), and its #anchor to a heading of that file; and no page
 * cites a file under bench/results/, or a results file under another git-ignored folder, as
 * something to read.
 */
class DocsLinksTest {

    private static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();

    /** {@code [text](target)} and {@code ![alt](target)}, the target up to a space or ')'. */
    private static final Pattern INLINE_LINK = Pattern.compile("!?\\[[^\\]]*\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    /** {@code [label]: target}, a reference definition on a line of its own. */
    private static final Pattern REFERENCE_LINK = Pattern.compile("(?m)^ {0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s+.*)?$");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    /** A path under bench/results/ naming something in it. */
    private static final Pattern RESULTS_FILE = Pattern.compile("bench/results/[\\w.*<>{}-]+");
    /** A results-like file (JSON, JFR, CSV) named with its folder. */
    private static final Pattern RESULTS_LIKE = Pattern.compile("[\\w.-]+(?:/[\\w.-]+)*/[\\w.*-]+\\.(?:json|jfr|csv)\\b");

    /** The pages whose links are checked, relative to the repository's root. */
    static List<String> pages() throws IOException {
        List<String> pages = new ArrayList<>(List.of("README.md", "bench/README.md"));
        pages.addAll(markdownIn("docs"));
        try (Stream<Path> dirs = Files.list(ROOT.resolve("deploy"))) {
            dirs.filter(Files::isDirectory).map(d -> d.resolve("README.md")).filter(Files::isRegularFile)
                    .map(p -> ROOT.relativize(p).toString()).sorted().forEach(pages::add);
        }
        return pages;
    }

    private static List<String> markdownIn(String folder) throws IOException {
        try (Stream<Path> files = Files.list(ROOT.resolve(folder))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".md"))
                    .map(p -> ROOT.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void readmeLinksEveryPageUnderDocs() throws Exception {
        Set<String> linked = new TreeSet<>();
        for (String target : links(read("README.md"))) {
            resolve("README.md", target).ifPresent(linked::add);
        }
        assertThat(linked).as("pages under docs/ linked from README.md").containsAll(markdownIn("docs"));
    }

    @Test
    void everyRelativeLinkPointsToAFileInTheRepository() throws Exception {
        Repository repository = Repository.load();
        List<String> problems = new ArrayList<>();
        for (String page : pages()) {
            problems.addAll(brokenLinks(page, read(page), repository));
        }
        assertThat(problems).as("broken links").isEmpty();
    }

    @Test
    void noPageCitesAGitIgnoredFile() throws Exception {
        Repository repository = Repository.load();
        List<String> problems = new ArrayList<>();
        for (String page : pages()) {
            problems.addAll(ignoredCitations(page, read(page), repository));
        }
        assertThat(problems).as("git-ignored files cited").isEmpty();
    }

    // ---- the checks themselves fail on bad pages ------------------------------------------

    @Test
    void aLinkToAMissingFileOrHeadingIsFound() throws Exception {
        Repository repository = Repository.load();
        String page = String.join("\n",
                "# Title",
                "[ok](README.md) [ok too](README.md#the-two-commands) [here](#title) [folder](deploy/trino/)",
                "[missing](docs/no-such-page.md) [bad anchor](README.md#no-such-heading) [nowhere](#elsewhere)",
                "[ignored](bench/results/ingest.json) [web](https://flink.apache.org/)",
                "```",
                "[in code](not/checked.md)",
                "```",
                "`[in a span](not/checked/either.md)`");
        assertThat(brokenLinks("page.md", page, repository)).hasSize(4)
                .anyMatch(p -> p.contains("docs/no-such-page.md"))
                .anyMatch(p -> p.contains("README.md#no-such-heading"))
                .anyMatch(p -> p.contains("#elsewhere"))
                .anyMatch(p -> p.contains("bench/results/ingest.json"));
    }

    @Test
    void aCitedResultsFileIsFound() throws Exception {
        Repository repository = Repository.load();
        String page = String.join("\n",
                "Runs write JSON into `bench/results/`.",
                "Measured on 2 cores (`bench/results/ingest-20261201-063252.json`).",
                "See target/run/report.json and deploy/trino/chronicle.properties.");
        assertThat(ignoredCitations("page.md", page, repository)).hasSize(2)
                .anyMatch(p -> p.contains("bench/results/ingest-20261201-063252.json"))
                .anyMatch(p -> p.contains("target/run/report.json"));
    }

    @Test
    void headingsBecomeGitHubAnchors() {
        assertThat(slugs("# Rollup tiers: `rollup_5m`, `rollup_1h`, ...\n## Old names → new names\n"
                + "## Tests\n### Tests\n```\n# not a heading\n```\n"))
                .containsExactly("rollup-tiers-rollup_5m-rollup_1h-", "old-names--new-names", "tests", "tests-1");
    }

    // ---- reading pages -------------------------------------------------------------------

    private static String read(String page) throws IOException {
        return Files.readString(ROOT.resolve(page));
    }

    /** The page without its fenced code blocks and inline code spans, lines kept. */
    static String prose(String markdown) {
        StringBuilder out = new StringBuilder();
        boolean fenced = false;
        for (String line : markdown.split("\n", -1)) {
            if (line.stripLeading().startsWith("```") || line.stripLeading().startsWith("~~~")) {
                fenced = !fenced;
                out.append('\n');
                continue;
            }
            out.append(fenced ? "" : line.replaceAll("`[^`]*`", "")).append('\n');
        }
        return out.toString();
    }

    /** Every link target of the page's prose. */
    static List<String> links(String markdown) {
        String prose = prose(markdown);
        List<String> targets = new ArrayList<>();
        for (Pattern p : List.of(INLINE_LINK, REFERENCE_LINK)) {
            Matcher m = p.matcher(prose);
            while (m.find()) {
                targets.add(m.group(1));
            }
        }
        return targets;
    }

    private static boolean external(String target) {
        return target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*");
    }

    /** The repository path a relative link of {@code page} points to, without its anchor. */
    private static Optional<String> resolve(String page, String target) {
        if (external(target)) {
            return Optional.empty();
        }
        String path = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
        if (path.isEmpty()) {
            return Optional.of(page);
        }
        Path base = Path.of(page).getParent();
        Path resolved = (base == null ? Path.of(path) : base.resolve(path)).normalize();
        return Optional.of(resolved.toString().replace('\\', '/'));
    }

    static List<String> brokenLinks(String page, String markdown, Repository repository) throws IOException {
        List<String> problems = new ArrayList<>();
        for (String target : links(markdown)) {
            Optional<String> path = resolve(page, target);
            if (path.isEmpty()) {
                continue;
            }
            String where = page + ": (" + target + ")";
            String file = path.get();
            if (file.startsWith("..")) {
                problems.add(where + " leaves the repository");
                continue;
            }
            boolean self = file.equals(page);
            if (!self && !repository.holds(file)) {
                problems.add(where + " points to " + file + ", which is not a file in the repository"
                        + (repository.ignored(file) ? " (git-ignored)" : ""));
                continue;
            }
            if (target.contains("#")) {
                String anchor = target.substring(target.indexOf('#') + 1);
                String text = self ? markdown : (file.endsWith(".md") ? Files.readString(ROOT.resolve(file)) : null);
                if (text == null) {
                    problems.add(where + " has an anchor into a file that is not Markdown");
                } else if (!slugs(text).contains(anchor)) {
                    problems.add(where + " names no heading of " + file);
                }
            }
        }
        return problems;
    }

    static List<String> ignoredCitations(String page, String markdown, Repository repository) {
        Set<String> cited = new LinkedHashSet<>();
        Matcher results = RESULTS_FILE.matcher(markdown);
        while (results.find()) {
            cited.add(results.group());
        }
        Matcher like = RESULTS_LIKE.matcher(markdown);
        while (like.find()) {
            String path = like.group();
            if (repository.ignored(path) || repository.ignored(resolve(page, path).orElse(path))) {
                cited.add(path);
            }
        }
        return cited.stream().map(path -> page + ": cites " + path + ", which is not in git").toList();
    }

    /** The anchors GitHub gives the page's headings, in order, repeats numbered. */
    static List<String> slugs(String markdown) {
        List<String> slugs = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean fenced = false;
        for (String line : markdown.split("\n")) {
            if (line.stripLeading().startsWith("```") || line.stripLeading().startsWith("~~~")) {
                fenced = !fenced;
                continue;
            }
            Matcher m = HEADING.matcher(line);
            if (fenced || !m.matches()) {
                continue;
            }
            String text = m.group(2)
                    .replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1")
                    .replace("`", "")
                    .replace("*", "");
            String slug = text.toLowerCase(Locale.ROOT)
                    .replaceAll("[^\\p{L}\\p{M}\\p{N}\\p{Pc}\\- ]", "")
                    .replace(' ', '-');
            int n = seen.merge(slug, 1, Integer::sum) - 1;
            slugs.add(n == 0 ? slug : slug + "-" + n);
        }
        return slugs;
    }

    // ---- what is in the repository ---------------------------------------------------------

    /**
     * The files git tracks (from {@code git ls-files}, when git and the repository's .git are
     * there; else the files on disk) and the repository's .gitignore patterns.
     */
    record Repository(Set<String> files, Set<String> folders, List<Pattern> ignoredPatterns, boolean fromGit) {

        static Repository load() throws IOException {
            List<Pattern> ignored = new ArrayList<>();
            Path gitignore = ROOT.resolve(".gitignore");
            if (Files.isRegularFile(gitignore)) {
                for (String line : Files.readAllLines(gitignore)) {
                    String rule = line.strip();
                    if (!rule.isEmpty() && !rule.startsWith("#") && !rule.startsWith("!")) {
                        ignored.add(gitignorePattern(rule));
                    }
                }
            }
            Optional<List<String>> tracked = gitTracked();
            Set<String> files = new TreeSet<>(tracked.orElse(List.of()));
            Set<String> folders = new TreeSet<>();
            for (String file : files) {
                for (Path parent = Path.of(file).getParent(); parent != null; parent = parent.getParent()) {
                    folders.add(parent.toString().replace('\\', '/'));
                }
            }
            return new Repository(files, folders, ignored, tracked.isPresent());
        }

        private static Optional<List<String>> gitTracked() {
            if (!Files.exists(ROOT.resolve(".git"))) {
                return Optional.empty();
            }
            try {
                Process git = new ProcessBuilder("git", "-C", ROOT.toString(), "ls-files", "-z")
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                byte[] out;
                try (InputStream in = git.getInputStream()) {
                    out = in.readAllBytes();
                }
                if (!git.waitFor(30, TimeUnit.SECONDS) || git.exitValue() != 0) {
                    return Optional.empty();
                }
                List<String> files = new ArrayList<>();
                for (String f : new String(out, StandardCharsets.UTF_8).split("\0")) {
                    if (!f.isEmpty()) {
                        files.add(f);
                    }
                }
                return Optional.of(files);
            } catch (IOException e) {
                return Optional.empty();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }

        /**
         * A .gitignore rule as a pattern over repository paths: a rule with a slash before its end
         * is anchored at the root, one without matches at any depth; a trailing slash matches a
         * folder and everything in it.
         */
        static Pattern gitignorePattern(String rule) {
            boolean folder = rule.endsWith("/");
            String body = folder ? rule.substring(0, rule.length() - 1) : rule;
            boolean anchored = body.contains("/");
            if (body.startsWith("/")) {
                body = body.substring(1);
            }
            StringBuilder regex = new StringBuilder(anchored ? "^" : "^(?:.*/)?");
            for (int i = 0; i < body.length(); i++) {
                char c = body.charAt(i);
                if (c == '*') {
                    boolean twice = i + 1 < body.length() && body.charAt(i + 1) == '*';
                    regex.append(twice ? ".*" : "[^/]*");
                    i += twice ? 1 : 0;
                } else if (c == '?') {
                    regex.append("[^/]");
                } else {
                    regex.append(Pattern.quote(String.valueOf(c)));
                }
            }
            regex.append(folder ? "/.*$" : "(?:/.*)?$");
            return Pattern.compile(regex.toString());
        }

        boolean ignored(String path) {
            String clean = path.startsWith("./") ? path.substring(2) : path;
            return ignoredPatterns.stream().anyMatch(p -> p.matcher(clean).matches()
                    || p.matcher(clean + "/").matches());
        }

        /** A tracked file or a folder holding one; without git, one on disk that is not ignored. */
        boolean holds(String path) {
            if (ignored(path)) {
                return false;
            }
            if (fromGit) {
                return files.contains(path) || folders.contains(path);
            }
            return Files.exists(ROOT.resolve(path));
        }
    }
}
