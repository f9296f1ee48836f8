import Logging

/// One source with the text gathered for it: its snippets and, when its page was
/// read, the page's passages.
struct GatheredSource: Sendable {
    var source: Source
    /// Snippets and provider-held passages (the knowledge base has whole documents).
    var snippets: [String]
    /// Passages of the fetched page, when it was read.
    var page: [String]

    /// Candidate texts for ranking: the page's passages (or the provider's), then the snippets.
    func texts(limit: Int) -> [String] {
        var texts = Array(page.prefix(limit))
        for snippet in snippets where !texts.contains(snippet) { texts.append(snippet) }
        return texts
    }
}

/// What the gathering task group hears back.
private enum GatherEvent: Sendable {
    case provider(ProviderResult)
    case fetched(index: Int, FetchResult)
    case deadline
}

private struct ProviderResult: Sendable {
    var name: String
    var results: SearchResults
    var error: ProviderError?
    var duration: Duration
}

private struct FetchResult: Sendable {
    var page: FetchedPage?
    var failure: FetchFailure?
    var duration: Duration
}

extension Pipeline {
    /// Searches every provider in parallel and reads the pages of web results,
    /// streaming `source` and `fetch` events as things happen.
    ///
    /// Sources are announced as each provider answers; a page starts loading as soon
    /// as its source is known (bounded by ``PipelineConfiguration/fetchConcurrency`` and
    /// ``PipelineConfiguration/maxPages``), unless its hit already holds enough of the page's
    /// text (``PipelineConfiguration/enoughProviderText``). Gathering ends when every provider has
    /// answered and every started page has finished, or when
    /// ``PipelineConfiguration/fetchDeadline`` has passed since the last provider
    /// answered, whichever comes first.
    func gather(
        _ query: AnalyzedQuery, providers: [any SearchProvider], run: inout Run, logger: Logger
    ) async throws -> [GatheredSource] {
        let controls = query.controls
        let today = CalendarDate.today().text
        var fusion = SourceFusion(
            providers: providers.map(\.name), capacity: min(configuration.maxSources, controls.maxSources ?? .max),
            k: configuration.fusionK, key: sourceKey)
        var pages: [Int: [String]] = [:]
        var failures: [String] = []
        var queue: [Int] = []
        var running = 0
        var started = 0
        var deadlinePassed = false
        var fetchStart: C.Instant?
        let clock = self.clock
        let configuration = self.configuration
        let fetcher = self.fetcher

        let names = providers.map(\.name)
        await run.send(
            .status(.init(stage: .searching, message: "Searching \(names.joined(separator: ", "))", providers: names)))
        let searchStart = clock.now

        try await withThrowingTaskGroup(of: GatherEvent.self) { group in
            for provider in providers {
                group.addTask { .provider(await Self.search(provider, query: query, configuration: configuration, clock: clock)) }
            }

            /// Starts queued page reads while there is room.
            func startFetches(_ run: inout Run) async {
                guard let fetcher, !deadlinePassed else { return }
                while running < configuration.fetchConcurrency, !queue.isEmpty {
                    let index = queue.removeFirst()
                    let source = fusion.entries[index].source
                    running += 1
                    if fetchStart == nil { fetchStart = clock.now }
                    await run.send(.fetch(.init(n: source.n, state: .started)))
                    group.addTask {
                        .fetched(index: index, await Self.read(source.url, with: fetcher, configuration: configuration, clock: clock))
                    }
                }
            }

            /// Announces what fusion changed and queues the new web sources for reading.
            func announce(_ change: SourceFusion.Change, _ run: inout Run) async {
                for index in change.added {
                    run.sources += 1
                    await run.send(.source(fusion.entries[index].source))
                    if let fetcher, started < configuration.maxPages, fetcher.canFetch(fusion.entries[index].source.url),
                        controls.allows(url: fusion.entries[index].source.url),
                        configuration.needsReading(fusion.entries[index].hit)
                    {
                        started += 1
                        queue.append(index)
                    }
                }
                for index in change.updated {
                    await run.send(.source(fusion.entries[index].source))
                }
                await startFetches(&run)
            }

            while let event = try await group.next() {
                try Task.checkCancellation()
                switch event {
                case .provider(let result):
                    if let error = result.error {
                        fusion.fail(result.name)
                        observer.providerCompleted(run.id, provider: result.name, status: error.code, duration: result.duration)
                        logger.warning(
                            "provider failed",
                            metadata: ["provider": "\(result.name)", "code": "\(error.code)", "error": "\(error.message)"])
                        failures.append(error.message)
                        await run.send(.warning(.init(code: "provider_\(error.code)", message: error.message, provider: result.name)))
                    } else {
                        let hits = result.results.hits
                        observer.providerCompleted(
                            run.id, provider: result.name, status: hits.isEmpty ? "empty" : "ok", duration: result.duration)
                        if result.results.rateLimited { observer.providerRateLimited(run.id, provider: result.name) }
                        for warning in result.results.warnings {
                            logger.notice(
                                "provider warning",
                                metadata: ["provider": "\(result.name)", "code": "\(warning.code)", "warning": "\(warning.message)"])
                            await run.send(.warning(.init(code: warning.code, message: warning.message, provider: result.name)))
                        }
                        // The sites and dates asked for, again: an upstream may ignore its operators.
                        let kept =
                            controls.sites.isEmpty && controls.freshness == nil
                            ? hits
                            : hits.filter { controls.allows(url: $0.url) && controls.allows(published: $0.published, today: today) }
                        await announce(fusion.merge(kept, from: result.name), &run)
                    }
                    if fusion.isComplete {
                        await announce(fusion.finish(), &run)
                        observer.stageCompleted(run.id, stage: .searching, duration: searchStart.duration(to: clock.now))
                        if running > 0 || !queue.isEmpty {
                            let count = running + queue.count
                            await run.send(.status(.init(stage: .fetching, message: "Reading \(count) page\(count == 1 ? "" : "s")")))
                            let deadline = configuration.fetchDeadline
                            group.addTask {
                                try await clock.sleep(for: deadline)
                                return .deadline
                            }
                        }
                    }
                case .fetched(let index, let result):
                    running -= 1
                    let n = fusion.entries[index].source.n
                    let ms = milliseconds(result.duration)
                    if let page = result.page, !controls.allows(url: page.url) {
                        // Redirected off the sites asked for: not read.
                        observer.fetchCompleted(run.id, outcome: .skipped, bytes: 0, duration: result.duration)
                        await run.send(
                            .fetch(.init(n: n, state: .skipped, ms: ms, reason: "Redirected to \(page.url), outside the sites asked for")))
                    } else if let page = result.page {
                        pages[index] = page.passages
                        run.pages += 1
                        run.bytes += page.bytes
                        observer.fetchCompleted(run.id, outcome: .done, bytes: page.bytes, duration: result.duration)
                        await run.send(.fetch(.init(n: n, state: .done, bytes: page.bytes, ms: ms)))
                    } else {
                        var failure = result.failure ?? FetchFailure(code: "failed", reason: "The page could not be read")
                        if deadlinePassed, failure.code == "cancelled" {
                            failure = FetchFailure(
                                code: "deadline",
                                reason: "Still loading after the \(Int(milliseconds(configuration.fetchDeadline)) / 1000) s reading deadline")
                        }
                        let state: PipelineEvent.Fetch.State = failure.skipped ? .skipped : .failed
                        observer.fetchCompleted(run.id, outcome: state, bytes: 0, duration: result.duration)
                        logger.debug(
                            "page not read",
                            metadata: ["source": "\(n)", "code": "\(failure.code)", "reason": "\(failure.reason)"])
                        await run.send(.fetch(.init(n: n, state: state, ms: ms, reason: failure.reason)))
                    }
                    await startFetches(&run)
                case .deadline:
                    deadlinePassed = true
                    queue.removeAll()
                    group.cancelAll()
                }
                if fusion.isComplete, running == 0, queue.isEmpty {
                    group.cancelAll()
                    break
                }
            }
        }
        if let fetchStart {
            observer.stageCompleted(run.id, stage: .fetching, duration: fetchStart.duration(to: clock.now))
        }
        let entries = fusion.entries
        if entries.isEmpty {
            if !failures.isEmpty && failures.count == providers.count {
                throw QueryError.providersFailed(failures.joined(separator: "; "))
            }
            throw QueryError.noSources(query.normalized)
        }
        return entries.enumerated().map { index, entry in
            let held = entry.hit.passages.isEmpty ? [entry.hit.snippet] : entry.hit.passages
            return GatheredSource(source: entry.source, snippets: held + entry.otherSnippets, page: pages[index] ?? [])
        }
    }

    /// Asks one provider, within the provider timeout; failures become a ``ProviderError``.
    private static func search(
        _ provider: any SearchProvider, query: AnalyzedQuery, configuration: PipelineConfiguration, clock: C
    ) async -> ProviderResult {
        let start = clock.now
        let timeout = configuration.providerTimeout
        func failed(_ error: ProviderError) -> ProviderResult {
            ProviderResult(name: provider.name, results: .init(hits: []), error: error, duration: start.duration(to: clock.now))
        }
        do {
            let results = try await withDeadline(timeout, clock: clock) {
                try await provider.search(query, limit: configuration.hitsPerProvider)
            }
            return ProviderResult(name: provider.name, results: results, error: nil, duration: start.duration(to: clock.now))
        } catch let error as ProviderError {
            return failed(error)
        } catch is DeadlineExceeded {
            return failed(
                ProviderError(code: "timeout", message: "\(provider.name) did not answer within \(timeout); going on without it."))
        } catch is CancellationError {
            return failed(ProviderError(code: "cancelled", message: "\(provider.name) was stopped."))
        } catch {
            return failed(ProviderError(code: "failed", message: "\(provider.name) failed: \(error)"))
        }
    }

    /// Reads one page within the page timeout; failures become a ``FetchFailure``.
    private static func read(
        _ url: String, with fetcher: any PageFetcher, configuration: PipelineConfiguration, clock: C
    ) async -> FetchResult {
        let start = clock.now
        func failed(_ failure: FetchFailure) -> FetchResult {
            FetchResult(page: nil, failure: failure, duration: start.duration(to: clock.now))
        }
        do {
            let page = try await withDeadline(configuration.pageTimeout, clock: clock) { try await fetcher.fetch(url) }
            return FetchResult(page: page, failure: nil, duration: start.duration(to: clock.now))
        } catch let failure as FetchFailure {
            return failed(failure)
        } catch is DeadlineExceeded {
            let seconds = Int(milliseconds(configuration.pageTimeout)) / 1000
            return failed(FetchFailure(code: "timeout", reason: "No complete page within \(seconds) s"))
        } catch is CancellationError {
            return failed(FetchFailure(code: "cancelled", reason: "Stopped before the page arrived"))
        } catch {
            return failed(FetchFailure(code: "failed", reason: "\(error)"))
        }
    }
}
