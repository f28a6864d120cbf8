import Foundation

/// One input of a process: the CLI's option of the same name, or a query's own input.
public struct ProcessInput: Sendable {
    /// How a value is checked and handed to the command.
    public enum Kind: String, Sendable {
        /// A file or folder under the data root.
        case path
        /// Files under the data root, comma-separated as the CLI takes them.
        case paths
        case text, number, integer
        /// An option without a value (`--impact-matrix`): true or false.
        case flag
        /// A census manifest: a path under the data root, or the manifest as a JSON object.
        case manifest
        /// A GeoJSON geometry object.
        case geometry
    }

    /// The input's id: the CLI's long option name (`weight-field`), or the query's own name.
    public var name: String
    public var title: String
    public var kind: Kind
    public var required: Bool
    /// The CLI's default, as text; nil when the option has none.
    public var defaultValue: String?
    /// The flag that turns an on-by-default flag off (`no-cells` for `cells`).
    public var negation: String?

    public init(name: String, title: String, kind: Kind, required: Bool, defaultValue: String? = nil) {
        self.name = name
        self.title = title
        self.kind = kind
        self.required = required
        self.defaultValue = defaultValue
    }
}

/// A process the service offers (OGC API – Processes): a CLI command run as an asynchronous job,
/// or a query answered at once from a finished census.
public struct ProcessDescription: Sendable {
    public enum Execution: Sendable, Equatable {
        /// `riskcensus <command> … --out JOB/out`, as a job; `census` is the `run` command.
        case job(command: String)
        /// The risk at a longitude/latitude in a finished census (synchronous).
        case riskAtPoint
        /// Residents and shelters inside a polygon of a finished census (synchronous).
        case coverageOfArea
    }

    public var id: String
    public var title: String
    public var description: String
    public var inputs: [ProcessInput]
    public var execution: Execution

    public init(id: String, title: String, description: String, inputs: [ProcessInput], execution: Execution) {
        self.id = id
        self.title = title
        self.description = description
        self.inputs = inputs
        self.execution = execution
    }

    var isJob: Bool { if case .job = execution { true } else { false } }

    /// The synchronous queries, whose inputs are the service's own.
    public static let queries: [ProcessDescription] = [
        ProcessDescription(
            id: "risk-at-point", title: "Risk at a point",
            description: "The risk level, composite index, expected annual loss and fatalities (in total and per hazard) and the unit at a WGS 84 longitude/latitude, from a finished census job.",
            inputs: [ProcessInput(name: "job", title: "A finished census job's id.", kind: .text, required: true),
                     ProcessInput(name: "lon", title: "WGS 84 longitude, degrees.", kind: .number, required: true),
                     ProcessInput(name: "lat", title: "WGS 84 latitude, degrees.", kind: .number, required: true)],
            execution: .riskAtPoint),
        ProcessDescription(
            id: "coverage-of-area", title: "Shelter coverage of an area",
            description: "Inside a GeoJSON polygon (WGS 84), from a finished census job: cells by risk level, EAL and fatalities (in total and per hazard), residents, those within reach of a shelter and those served by the exact capacitated assignment, and the shelters inside with their capacity and load.",
            inputs: [ProcessInput(name: "job", title: "A finished census job's id.", kind: .text, required: true),
                     ProcessInput(name: "area", title: "A GeoJSON Polygon or MultiPolygon in WGS 84 longitude/latitude.", kind: .geometry, required: true)],
            execution: .coverageOfArea),
    ]
}
