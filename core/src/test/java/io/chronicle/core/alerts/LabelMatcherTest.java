package io.chronicle.core.alerts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class LabelMatcherTest {

    @Test
    void matchesAsPrometheusDoes() {
        LabelMatcher web = new LabelMatcher("host", "=~", "web-.*");
        assertThat(web.matches("web-1")).isTrue();
        assertThat(web.matches("xweb-1")).as("anchored at the start").isFalse();
        assertThat(new LabelMatcher("host", "=~", "web").matches("web-1")).as("anchored at the end").isFalse();
        assertThat(new LabelMatcher("msg", "=~", "a.b").matches("a\nb")).as(". matches a newline").isTrue();
        assertThat(new LabelMatcher("zone", "=~", "").matches(null)).as("a missing label is empty").isTrue();
        assertThat(new LabelMatcher("zone", "!~", "eu-.*").matches("us-1")).isTrue();
        assertThat(new LabelMatcher("zone", "!~", "eu-.*").matches("eu-1")).isFalse();
        assertThat(new LabelMatcher("x", "=~", "\\p{Greek}+").matches("αβγ")).as("RE2's Unicode classes").isTrue();
        assertThat(new LabelMatcher("x", "=~", "[[:digit:]]{2}").matches("42")).isTrue();
        assertThat(new LabelMatcher("x", "=", "a").matches("a")).isTrue();
        assertThat(new LabelMatcher("x", "!=", "a").matches(null)).isTrue();
    }

    /**
     * Each of these takes a backtracking engine (java.util.regex) time exponential in the value's
     * length: 2^1000 steps for a 1000-character value. RE2 takes linear time, so the whole batch
     * finishes far inside the deadline even on a loaded machine.
     */
    @Test
    void catastrophicPatternsMatchInLinearTime() {
        String[] patterns = {"(a+)+$", "(a|a)*b", "(a|aa)+c", "(.*a){20}", "((a*)*)*b", "(x+x+)+y"};
        String value = "a".repeat(1_000) + "!";
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            for (String pattern : patterns) {
                LabelMatcher m = new LabelMatcher("host", "=~", pattern);
                for (int i = 0; i < 20; i++) {
                    assertThat(m.matches(value)).as(pattern).isFalse();
                }
            }
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            // pattern ; expected estimate: literals, operators and groups one each, repetitions multiplied
            "abc;3",
            "a*;2",
            "(ab);3",
            "a{3};4",
            "a{2,5};6",
            "a{2,};4",
            "(a{10}){10};121",
            "[a-z{1000}];1",
            "\\Q(a{1000})\\E;13",
            "\\{1000};6",
            "a|b|c;5",
            "x{,5};5",
    })
    void estimatesTheProgramSizeOfAPattern(String pattern, long expected) {
        assertThat(LabelMatcher.programSize(pattern)).isEqualTo(expected);
    }

    @Test
    void refusesPatternsTooLongOrTooComplexBeforeCompilingThem() {
        assertThatThrownBy(() -> new LabelMatcher("h", "=~", "((a{1000}){1000}){1000}"))
                .hasMessage("regular expression for label 'h' is too complex: it expands to more than 2000"
                        + " instructions (counted repetitions multiply)");
        assertThatThrownBy(() -> new LabelMatcher("h", "=~", "x".repeat(1_025)))
                .hasMessage("regular expression for label 'h' is longer than 1024 characters");
        assertThatThrownBy(() -> new LabelMatcher("h", "=~", "(?<=a)b"))
                .hasMessageStartingWith("invalid regular expression for label 'h': error parsing regexp");
        assertThatThrownBy(() -> new LabelMatcher("h", "~", "a"))
                .hasMessage("unknown matcher operator '~' for label 'h' (use =, !=, =~ or !~)");
    }

    @Test
    void aMatcherRestoredWithAPatternRe2RefusesFailsWhenMatching() {
        // As a rule from an older version's state (Java's regex syntax) would come back.
        LabelMatcher restored = new LabelMatcher();
        restored.name = "host";
        restored.op = "=~";
        restored.value = "(?=web)web-1";
        assertThatThrownBy(() -> restored.matches("web-1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid regular expression for label 'host'");
    }
}
