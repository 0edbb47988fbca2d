package io.chronicle.deploy.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A CustomResourceDefinition's structural schema (OpenAPI v3) as the API server applies it to a
 * resource created with strict field validation ({@code kubectl apply}'s default): types, enums,
 * required fields, and no field the schema does not declare, except under
 * {@code x-kubernetes-preserve-unknown-fields}. The schema is translated to JSON Schema (draft 7)
 * and checked by networknt's validator.
 */
final class CrdSchema {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** JSON Schema keywords with the same meaning in a structural schema, copied as they are. */
    private static final Set<String> COPIED = Set.of("enum", "required", "minimum", "maximum",
            "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "minItems",
            "maxItems", "uniqueItems", "minProperties", "maxProperties");
    /** Keywords that document or steer merging without restricting what is valid. */
    private static final Set<String> IGNORED = Set.of("description", "default", "format", "example",
            "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type");
    /** Keywords translated below. */
    private static final Set<String> TRANSLATED = Set.of("type", "nullable", "properties",
            "additionalProperties", "items", "anyOf", "allOf", "oneOf", "not",
            "x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields",
            "x-kubernetes-embedded-resource");

    private final String name;
    private final JsonSchema schema;

    private CrdSchema(String name, JsonNode openApiSchema) {
        this.name = name;
        this.schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7)
                .getSchema(toJsonSchema(openApiSchema, true));
    }

    /** The schema of {@code version} in a CRD file on the test classpath. */
    static CrdSchema fromClasspath(String resource, String version) {
        try (InputStream in = CrdSchema.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("No " + resource + " on the classpath");
            }
            return fromCrd(resource, Manifests.YAML.readTree(in), version);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static CrdSchema fromCrd(String name, JsonNode crd, String version) {
        for (JsonNode served : crd.path("spec").path("versions")) {
            if (served.path("name").asText().equals(version)) {
                return new CrdSchema(name + " " + version, served.path("schema").path("openAPIV3Schema"));
            }
        }
        throw new IllegalArgumentException(name + " defines no version " + version);
    }

    /** What the API server would refuse in {@code resource}, one message each; empty if nothing. */
    List<String> violations(JsonNode resource) {
        return schema.validate(resource).stream().map(ValidationMessage::getMessage).sorted().toList();
    }

    @Override
    public String toString() {
        return name;
    }

    /**
     * Translates one node of a structural schema. Unknown keywords fail rather than being skipped,
     * so a check never passes by ignoring a constraint it does not understand.
     */
    static ObjectNode toJsonSchema(JsonNode node, boolean root) {
        for (Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!COPIED.contains(key) && !IGNORED.contains(key) && !TRANSLATED.contains(key)) {
                throw new UnsupportedOperationException("Schema keyword '" + key + "' is not checked");
            }
        }
        ObjectNode out = JSON.objectNode();
        boolean nullable = node.path("nullable").asBoolean(false);
        if (node.path("x-kubernetes-int-or-string").asBoolean(false)) {
            ArrayNode types = out.putArray("type").add("integer").add("string");
            if (nullable) {
                types.add("null");
            }
        } else if (node.has("type")) {
            if (nullable) {
                out.putArray("type").add(node.get("type").asText()).add("null");
            } else {
                out.put("type", node.get("type").asText());
            }
        }
        for (String keyword : COPIED) {
            if (node.has(keyword)) {
                out.set(keyword, node.get(keyword).deepCopy());
            }
        }
        if (nullable && out.has("enum")) {
            ((ArrayNode) out.get("enum")).addNull();
        }
        ObjectNode properties = JSON.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.path("properties").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> property = it.next();
            properties.set(property.getKey(), toJsonSchema(property.getValue(), false));
        }
        if (root || node.path("x-kubernetes-embedded-resource").asBoolean(false)) {
            // Every object carries these, whatever its schema says; metadata is checked as ObjectMeta.
            properties.putObject("apiVersion").put("type", "string");
            properties.putObject("kind").put("type", "string");
            properties.putObject("metadata").put("type", "object");
        }
        if (!properties.isEmpty()) {
            out.set("properties", properties);
        }
        if (node.has("items")) {
            out.set("items", toJsonSchema(node.get("items"), false));
        }
        for (String combinator : List.of("anyOf", "allOf", "oneOf")) {
            if (node.has(combinator) && !node.path("x-kubernetes-int-or-string").asBoolean(false)) {
                ArrayNode translated = out.putArray(combinator);
                node.get(combinator).forEach(branch -> translated.add(toJsonSchema(branch, false)));
            }
        }
        if (node.has("not")) {
            out.set("not", toJsonSchema(node.get("not"), false));
        }
        JsonNode additional = node.get("additionalProperties");
        if (additional != null) {
            out.set("additionalProperties",
                    additional.isBoolean() ? additional.deepCopy() : toJsonSchema(additional, false));
        } else if (!node.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)
                && (node.path("type").asText().equals("object") || out.has("properties"))) {
            // A structural schema prunes undeclared fields; strict field validation refuses them.
            out.put("additionalProperties", false);
        }
        return out;
    }
}
