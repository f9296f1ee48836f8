/// What a factual question asks for: the entity it is about (its subject), the relation
/// it asks of that entity, and the type of the expected answer.
///
/// "what is a young hare called" is `{relation: young, subject: "hare", answerType: term}`;
/// "who succeeded Lincoln" is `{relation: successor, subject: "lincoln", answerType: person}`.
///
/// A relation is either read off the subject's own entry (``Relation/isReverse`` false:
/// the symbol of iron, where Timbuktu is) or found as the headword of another entry that
/// states the relation of the subject (``Relation/isReverse`` true: "leveret: a young
/// hare", "Tehran: the capital of Iran").
public struct QuestionFrame: Sendable, Equatable, Codable {
    /// The type of thing the answer names.
    public enum AnswerType: String, Sendable, Equatable, Codable, CaseIterable {
        case person, place, date, number, symbol, term, description
    }

    /// The relation a question asks of its subject.
    public enum Relation: String, Sendable, Equatable, Codable, CaseIterable {
        /// What X is.
        case definition
        /// The capital of X (reverse: the city whose entry says it is the capital of X).
        case capital
        /// Where X is.
        case location
        /// The symbol of X (a chemical element's, a unit's).
        case symbol
        /// What an abbreviation X stands for.
        case expansion
        /// The abbreviation of X.
        case abbreviation
        /// The word for a young X.
        case young
        /// The word for a female X.
        case female
        /// The word for a male X.
        case male
        /// The word for a group of X.
        case group
        /// The sound X makes.
        case sound
        /// What X is made of.
        case material
        /// Who came after X.
        case successor
        /// Who came before X.
        case predecessor
        /// Who made, wrote, founded or discovered X.
        case creator
        /// When X was, happened or was born.
        case time
        /// A number about X (its atomic number, population, height).
        case number
        /// What a symbol or an abbreviation X names: "which element has the symbol Fe" (reverse:
        /// the entry that lists X among its names, or whose text says "symbol X").
        case bearer
        /// The name a reference gives to a description: "which Python module provides JSON encoding",
        /// "which errno means 'No record locks available'" (reverse: a term list's entry or a page
        /// titled "name — description").
        case identifier

        /// Whether the answer is the headword of another entry that states this relation
        /// of the subject, rather than something the subject's own entry says.
        public var isReverse: Bool {
            switch self {
            case .capital, .young, .female, .male, .group, .sound, .successor, .bearer, .identifier: true
            default: false
            }
        }
    }

    /// The relation asked.
    public var relation: Relation
    /// The entity the question is about, as typed (lowercased, articles dropped): "hare", "iron".
    public var subject: String
    /// The type of the expected answer.
    public var answerType: AnswerType
    /// Words that state the relation in a source ("young", "baby", "offspring" for ``Relation/young``),
    /// the question's own word first; empty for ``Relation/definition``.
    public var relationWords: [String]

    public init(relation: Relation, subject: String, answerType: AnswerType, relationWords: [String] = []) {
        self.relation = relation
        self.subject = subject
        self.answerType = answerType
        self.relationWords = relationWords
    }

    enum CodingKeys: String, CodingKey {
        case relation, subject
        case answerType = "answer_type"
        case relationWords = "relation_words"
    }
}
