import SiftCore

/// Shared knowledge-base shaped inputs.
enum Fixtures {
    static let canberraSources = [
        Source(n: 1, url: "kb://wordnet/Canberra", title: "Canberra", snippet: "", providers: ["kb"], score: 0.9),
        Source(n: 2, url: "kb://wordnet/Australia", title: "Australia", snippet: "", providers: ["kb"], score: 1),
        Source(n: 3, url: "kb://wiki/Canberra", title: "Canberra", snippet: "", providers: ["kb"], score: 0.7),
        Source(n: 4, url: "kb://wiki/Sydney", title: "Sydney", snippet: "", providers: ["kb"], score: 0.6),
    ]

    static let canberraCandidates = [
        CandidatePassage(
            sourceN: 1, text: "Canberra: the capital of Australia; located in southeastern Australia",
            title: "Canberra",
            sourceScore: 0.9),
        CandidatePassage(
            sourceN: 2,
            text:
                "Australia: a nation occupying the whole of the Australian continent; Aboriginal tribes are thought to have migrated from southeastern Asia 20,000 years ago",
            title: "Australia", sourceScore: 1),
        CandidatePassage(
            sourceN: 3,
            text:
                "Canberra is the capital city of Australia. Founded following the federation of the colonies of Australia as the seat of government for the new nation, it is Australia's largest inland city.",
            title: "Canberra", sourceScore: 0.7),
        CandidatePassage(
            sourceN: 4,
            text:
                "Sydney is the capital city of the state of New South Wales, and the most populous city in Australia.",
            title: "Sydney", sourceScore: 0.6),
    ]

    static let photosynthesisSources = [
        Source(
            n: 1, url: "kb://wiki/Photosynthesis", title: "Photosynthesis", snippet: "", providers: ["kb"], score: 0.8),
        Source(
            n: 2, url: "kb://wordnet/photosynthesis", title: "photosynthesis", snippet: "", providers: ["kb"], score: 1),
    ]

    static let photosynthesisCandidates = [
        CandidatePassage(
            sourceN: 1,
            text:
                "Photosynthesis is a system of biological processes by which photosynthetic organisms, such as most plants, algae, and cyanobacteria, convert light energy into chemical energy. Photosynthesis usually refers to oxygenic photosynthesis, a process that produces oxygen.",
            title: "Photosynthesis", sourceScore: 0.8),
        CandidatePassage(
            sourceN: 2,
            text: "photosynthesis: synthesis of compounds with the aid of radiant energy (especially in plants)",
            title: "photosynthesis", sourceScore: 1),
    ]
}
