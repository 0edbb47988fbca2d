package io.chronicle.sql;

import io.chronicle.core.ChronicleConfig;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.gateway.api.SqlGatewayService;
import org.apache.flink.table.gateway.api.endpoint.SqlGatewayEndpoint;
import org.apache.flink.table.gateway.api.endpoint.SqlGatewayEndpointFactoryUtils;
import org.apache.flink.table.gateway.api.session.SessionEnvironment;
import org.apache.flink.table.gateway.api.session.SessionHandle;
import org.apache.flink.table.gateway.api.utils.SqlGatewayException;
import org.apache.flink.table.gateway.service.SqlGatewayServiceImpl;
import org.apache.flink.table.gateway.service.context.DefaultContext;
import org.apache.flink.table.gateway.service.session.SessionManager;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Flink's SQL gateway with Chronicle's catalog registered in every session: each new session runs
 * {@code session-init.sql} before the client's first statement. Flink's own gateway options apply
 * ({@code sql-gateway.endpoint.rest.port}, {@code execution.target}, {@code rest.address}, ...).
 */
public final class ChronicleSqlGateway implements AutoCloseable {

    public static final String DEFAULT_ADDRESS = "127.0.0.1";
    public static final int DEFAULT_PORT = 8083;

    private final SessionManager sessionManager;
    private final List<SqlGatewayEndpoint> endpoints = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private ChronicleSqlGateway(SessionManager sessionManager) {
        this.sessionManager = sessionManager;
    }

    /** Starts the gateway; {@code conf} holds Chronicle's options and Flink's gateway options. */
    public static ChronicleSqlGateway start(Configuration conf) throws Exception {
        Configuration gatewayConf = new Configuration(conf);
        setIfAbsent(gatewayConf, "sql-gateway.endpoint.type", "rest");
        setIfAbsent(gatewayConf, "sql-gateway.endpoint.rest.address", DEFAULT_ADDRESS);
        setIfAbsent(gatewayConf, "sql-gateway.endpoint.rest.bind-address", DEFAULT_ADDRESS);
        setIfAbsent(gatewayConf, "sql-gateway.endpoint.rest.port", String.valueOf(DEFAULT_PORT));

        List<String> init = SessionInitScript.statements(conf);
        SessionManager sessions =
                SessionManager.create(new DefaultContext(gatewayConf, Collections.emptyList()));
        ChronicleSqlGateway gateway = new ChronicleSqlGateway(sessions);
        sessions.start();
        SqlGatewayService service = new InitializingService(sessions, init);
        try {
            gateway.endpoints.addAll(
                    SqlGatewayEndpointFactoryUtils.createSqlGatewayEndpoint(service, gatewayConf));
            for (SqlGatewayEndpoint endpoint : gateway.endpoints) {
                endpoint.start();
            }
        } catch (Exception e) {
            gateway.close();
            throw e;
        }
        return gateway;
    }

    private static void setIfAbsent(Configuration conf, String key, String value) {
        if (!conf.containsKey(key)) {
            conf.setString(key, value);
        }
    }

    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        for (SqlGatewayEndpoint endpoint : endpoints) {
            try {
                endpoint.stop();
            } catch (Exception e) {
                // keep stopping the rest
            }
        }
        sessionManager.stop();
        stopped.countDown();
    }

    public static void main(String[] args) throws Exception {
        Configuration conf = ChronicleConfig.fromArgs(args);
        ChronicleSqlGateway gateway = start(conf);
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "sql-gateway-shutdown"));
        gateway.awaitStop();
    }

    /** Runs the init statements in every session it opens. */
    private static final class InitializingService extends SqlGatewayServiceImpl {
        private final List<String> initStatements;

        InitializingService(SessionManager sessionManager, List<String> initStatements) {
            super(sessionManager);
            this.initStatements = initStatements;
        }

        @Override
        public SessionHandle openSession(SessionEnvironment environment) {
            SessionHandle session = super.openSession(environment);
            try {
                for (String statement : initStatements) {
                    configureSession(session, statement, 0);
                }
            } catch (SqlGatewayException e) {
                closeSession(session);
                throw e;
            }
            return session;
        }
    }
}
