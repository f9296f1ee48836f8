import SiftCore
import Testing

@testable import SiftServer

@Suite("HTTP statuses of errors (the transport's mapping)")
struct HTTPStatusMappingTests {
    @Test func errorsMapToTheirHTTPStatus() {
        #expect(QueryError.emptyQuery.httpStatus == 400)
        #expect(QueryError.overloaded(limit: 3).httpStatus == 503)
        #expect(QueryError.queueFull(waiting: 3, retryAfter: 1).httpStatus == 503)
        #expect(QueryError.shuttingDown.httpStatus == 503)
        #expect(QueryError.noSources("x").httpStatus == 404)
        #expect(QueryError.queryExpired("x", detail: "y").httpStatus == 410)
        #expect(QueryError.queryLogFull(limit: 1).httpStatus == 507)
        #expect(QueryError.overloaded(limit: 3).isAdmissionRefusal && QueryError.shuttingDown.isAdmissionRefusal)
        #expect(!QueryError.emptyQuery.isAdmissionRefusal)
    }

    @Test func anErrorEventMapsByItsCodeAsTheErrorDoes() {
        let info = PipelineEvent.ErrorInfo(QueryError.noSources("zzz"))
        #expect(HTTPStatusMapping.status(ofCode: info.code) == 404)
        #expect(HTTPStatusMapping.status(ofCode: "something_new") == 500)
    }
}
