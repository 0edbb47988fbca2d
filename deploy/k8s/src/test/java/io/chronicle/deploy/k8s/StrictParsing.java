package io.chronicle.deploy.k8s;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads manifests into the operator's and fabric8's resource classes, refusing what those classes
 * do not declare. The classes alone would not: many of the operator's are marked to ignore unknown
 * fields, and fabric8's model keeps unknown (and mistyped) fields in an {@code additionalProperties}
 * map, so that marking is overridden and every such map in the result must be empty.
 */
final class StrictParsing {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization(
            new ObjectMapper()
                    .setAnnotationIntrospector(new RefusingUnknown())
                    .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES),
            false);

    private StrictParsing() {}

    static <T> T parse(JsonNode node, Class<T> type) {
        T value = SERIALIZATION.convertValue(node, type);
        List<String> unknown = new ArrayList<>();
        collectUnknown(value, "$", unknown, Collections.newSetFromMap(new IdentityHashMap<>()));
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("Fields " + type.getSimpleName() + " does not declare: " + unknown);
        }
        return value;
    }

    /**
     * A FlinkDeployment without its {@code flinkVersion}: the operator API 1.10.0 enumerates Flink
     * versions up to 1.20, and Flink 2.1 is {@code v2_1} (operator 1.13 and newer). The version is
     * checked against the newer operator's schema ({@link CrdSchema}) and by {@link OperatorRules}.
     */
    static FlinkDeployment flinkDeployment(JsonNode node) {
        ObjectNode copy = node.deepCopy();
        if (copy.path("spec").isObject()) {
            ((ObjectNode) copy.get("spec")).remove("flinkVersion");
        }
        return parse(copy, FlinkDeployment.class);
    }

    /** Every class's declared properties, without the {@code ignoreUnknown} many of them carry. */
    private static final class RefusingUnknown extends JacksonAnnotationIntrospector {
        @Override
        public JsonIgnoreProperties.Value findPropertyIgnoralByName(MapperConfig<?> config, Annotated annotated) {
            JsonIgnoreProperties.Value declared = super.findPropertyIgnoralByName(config, annotated);
            return declared == null ? null : declared.withoutIgnoreUnknown();
        }
    }

    private static void collectUnknown(Object value, String path, List<String> unknown, Set<Object> seen) {
        if (value == null || !seen.add(value)) {
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((key, item) -> collectUnknown(item, path + "." + key, unknown, seen));
            return;
        }
        if (value instanceof Iterable<?> items) {
            int index = 0;
            for (Object item : items) {
                collectUnknown(item, path + "[" + index++ + "]", unknown, seen);
            }
            return;
        }
        if (!isResourceModel(value.getClass())) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object property = invoke(getter, value);
            if (getter.getName().equals("getAdditionalProperties") && property instanceof Map<?, ?> extra) {
                extra.keySet().forEach(key -> unknown.add(path + "." + key));
            } else {
                collectUnknown(property, path + "." + propertyName(getter), unknown, seen);
            }
        }
    }

    private static boolean isResourceModel(Class<?> type) {
        String name = type.getName();
        return name.startsWith("io.fabric8.kubernetes.api.model.")
                || name.startsWith("org.apache.flink.kubernetes.operator.api.");
    }

    private static Object invoke(Method getter, Object target) {
        try {
            return getter.invoke(target);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("Cannot read " + getter, e);
        }
    }

    private static String propertyName(Method getter) {
        String name = getter.getName().substring(3);
        return name.isEmpty() ? name : Character.toLowerCase(name.charAt(0)) + name.substring(1);
    }
}
