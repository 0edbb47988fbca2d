package io.chronicle.sources;

import io.chronicle.core.alerts.RuleChange;
import io.chronicle.core.alerts.RuleLimits;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every kind of message the rules topic can carry, and what each becomes. */
class RuleChangesTest {

    private static final String VALID = "{\"name\": \"r\", \"selector\": \"cpu\", \"threshold\": {\"above\": 1}}";

    private static RuleChange read(String key, String value) {
        return RuleChanges.read(key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8), RuleLimits.defaults());
    }

    @Test
    void aValidRuleUnderItsNameIsAnUpsert() {
        RuleChange c = read("r", VALID);
        assertThat(c.error).isNull();
        assertThat(c.name).isEqualTo("r");
        assertThat(c.rule.metric).isEqualTo("cpu");
    }

    @Test
    void aTombstoneIsADeletion() {
        RuleChange c = read("r", null);
        assertThat(c.isDelete()).isTrue();
        assertThat(c.name).isEqualTo("r");
    }

    @Test
    void theOverflowingDurationThatOnceFailedTheJobIsRefused() {
        RuleChange c = read("r", "{\"name\": \"r\", \"selector\": \"cpu\", \"threshold\": {\"above\": 1}, \"for\": \"200000000d\"}");
        assertThat(c.rule).isNull();
        assertThat(c.name).isEqualTo("r");
        assertThat(c.error).isEqualTo("rule 'r' for: '200000000d' is longer than 30 d (chronicle.alerts.rules.max-duration)");
    }

    @Test
    void keysThatNameNoRuleAreRefused() {
        assertThat(read(null, VALID).error).isEqualTo("a rule message needs the rule name as its key");
        assertThat(read(null, null).error).isEqualTo("a rule message needs the rule name as its key");
        assertThat(read("", VALID).error).startsWith("the key '' is not a rule name");
        assertThat(read("no spaces", null).error).startsWith("the key 'no spaces' is not a rule name");
        RuleChange binary = RuleChanges.read(new byte[] {(byte) 0xff, 0, 1}, VALID.getBytes(StandardCharsets.UTF_8),
                RuleLimits.defaults());
        assertThat(binary.name).isNull();
        assertThat(binary.error).startsWith("the key '\ufffd\u0000\u0001' is not a rule name");
        RuleChange huge = read("k".repeat(100_000), VALID);
        assertThat(huge.error).startsWith("the key '" + "k".repeat(100) + "…' is not a rule name");
        assertThat(read("s", VALID).error).isEqualTo("the message's key is 's' but the rule is named 'r'");
    }

    @Test
    void valuesThatAreNoDocumentAreRefused() {
        assertThat(read("r", "").error).isEqualTo("empty document (a tombstone, a null value, deletes a rule)");
        assertThat(read("r", " ").error).isEqualTo("rule: empty document");
        assertThat(read("r", "x".repeat(32_769)).error)
                .isEqualTo("document of 32769 bytes is larger than 32768 bytes (chronicle.alerts.rules.max-document-bytes)");
        RuleChange latin1 = RuleChanges.read("r".getBytes(StandardCharsets.UTF_8),
                "{\"name\": \"r\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1), RuleLimits.defaults());
        assertThat(latin1.error).isEqualTo("document is not UTF-8 text: invalid byte at offset 11");
        byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        assertThat(RuleChanges.read("r".getBytes(StandardCharsets.UTF_8), binary, RuleLimits.defaults()).error)
                .startsWith("document is not UTF-8 text");
        assertThat(read("r", "\u0000\u0001\u0002").error).startsWith("rule: not valid YAML or JSON");
    }

    @Test
    void theDeserializerTagsEachChangeWithItsMessage() {
        List<RuleChange> out = new ArrayList<>();
        new RuleChanges.Deserializer(RuleLimits.defaults()).deserialize(
                new ConsumerRecord<>("rules", 3, 42L, "r".getBytes(StandardCharsets.UTF_8), new byte[0]),
                new Collector<>() {
                    @Override
                    public void collect(RuleChange record) {
                        out.add(record);
                    }

                    @Override
                    public void close() {}
                });
        assertThat(out).singleElement().satisfies(c -> {
            assertThat(c.partition).isEqualTo(3);
            assertThat(c.offset).isEqualTo(42L);
            assertThat(c.error).startsWith("empty document");
        });
    }
}
