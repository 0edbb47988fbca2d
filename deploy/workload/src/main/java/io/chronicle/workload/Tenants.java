package io.chronicle.workload;

/** Tenant names shared by the generators, so points and events of one seed meet in the same tenants. */
final class Tenants {

    private static final String[] NAMES = {"default", "acme", "globex", "initech", "umbrella", "hooli"};

    private Tenants() {}

    /** The name of tenant number {@code index}. */
    static String name(int index) {
        return index < NAMES.length ? NAMES[index] : "tenant-" + index;
    }
}
