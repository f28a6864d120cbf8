import Foundation

/// The look of the census's classes, the one source of colours and names for the printed maps,
/// the viewer, the rasters' colour tables and the QGIS (.qml) and SLD styles.
public enum LevelStyle {
    /// Risk level l (1 = I, highest … 5 = V, lowest): ColorBrewer YlOrRd, dark for I.
    public static func color(_ level: Int) -> Color { Palette.ylOrRd5[5 - level] }
    /// "I" … "V".
    public static let names = ["I", "II", "III", "IV", "V"]
    /// The census's names of the five risk levels: 高, 较高, 中, 较低, 低.
    public static let chineseNames = ["高", "较高", "中", "较低", "低"]
    /// "I 高 (highest)" … "V 低 (lowest)": the legend's and the raster's category name.
    public static func label(_ level: Int) -> String {
        "\(names[level - 1]) \(chineseNames[level - 1])" + (level == 1 ? " (highest)" : level == 5 ? " (lowest)" : "")
    }

    /// The five risk levels as categories of `field` (or of a raster's band).
    public static var riskLevels: [LayerStyle.Category] {
        (1...5).map { LayerStyle.Category(value: $0, color: color($0), label: label($0)) }
    }

    /// Hazard levels 1 … count (1 the most severe), coloured as the last `count` risk colours.
    public static func hazardLevels(_ count: Int) -> [LayerStyle.Category] {
        let colors = Array(Palette.ylOrRd5.suffix(count).reversed())
        let names = count == 4 ? ["very high 极高", "high 高", "medium 中", "low 低"]
            : ["very high 极高", "high 高", "medium 中", "lower 较低", "low 低"]
        return (1...count).map { LayerStyle.Category(value: $0, color: colors[$0 - 1], label: "\($0) \(names[$0 - 1])") }
    }
}

/// A layer's symbology, written as a QGIS style (.qml) and an OGC Symbology Encoding / SLD 1.0
/// style (.sld): categories of an integer field or raster band, classes of a numeric one, or one
/// symbol for all features.
public struct LayerStyle: Sendable {
    public enum Geometry: Sendable { case polygon, point, line, raster }
    public struct Category: Sendable {
        public var value: Int
        public var color: Color
        public var label: String
        public init(value: Int, color: Color, label: String) {
            self.value = value
            self.color = color
            self.label = label
        }
    }
    public enum Rule: Sendable {
        /// Features (cells) whose field equals a category's value take its colour.
        case categories([Category])
        /// Values up to `bounds[k]` take class k (see `Classes`).
        case classes(Classes)
        /// One fill (or point) colour and an outline for every feature.
        case single(fill: Color?, stroke: Color)
    }

    /// The style's name, e.g. the layer's.
    public var name: String
    public var geometry: Geometry
    /// The attribute the rule reads; ignored for rasters (band 1) and `.single`.
    public var field: String
    public var rule: Rule
    /// Fill opacity of polygons (0…1).
    public var opacity: Double = 0.8

    public init(name: String, geometry: Geometry, field: String = "", rule: Rule, opacity: Double = 0.8) {
        self.name = name
        self.geometry = geometry
        self.field = field
        self.rule = rule
        self.opacity = opacity
    }

    // MARK: QGIS

    /// A QGIS layer style document (QGIS 3 .qml).
    public var qml: String {
        var s = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis version=\"3.22.0\" styleCategories=\"Symbology\">\n"
        if geometry == .raster {
            s += rasterQML
        } else {
            s += vectorQML
        }
        return s + "</qgis>\n"
    }

    private var rasterQML: String {
        var s = "  <pipe>\n"
        switch rule {
        case .categories(let cats):
            s += "    <rasterrenderer type=\"paletted\" band=\"1\" opacity=\"1\" alphaBand=\"-1\" nodataColor=\"\">\n"
            s += "      <rasterTransparency/>\n      <colorPalette>\n"
            for c in cats {
                s += "        <paletteEntry value=\"\(c.value)\" color=\"\(c.color.hex)\" alpha=\"255\" label=\"\(xml(c.label))\"/>\n"
            }
            s += "      </colorPalette>\n    </rasterrenderer>\n"
        case .classes(let classes):
            s += "    <rasterrenderer type=\"singlebandpseudocolor\" band=\"1\" opacity=\"1\" alphaBand=\"-1\" classificationMin=\"\(qmlNumber(classes.bounds.first!))\" classificationMax=\"\(qmlNumber(classes.bounds.last!))\" nodataColor=\"\">\n"
            s += "      <rasterTransparency/>\n      <rastershader>\n"
            s += "        <colorrampshader colorRampType=\"DISCRETE\" classificationMode=\"1\" clip=\"0\" minimumValue=\"\(qmlNumber(classes.bounds.first!))\" maximumValue=\"\(qmlNumber(classes.bounds.last!))\">\n"
            for (k, color) in classes.colors.enumerated() {
                let upper = k < classes.bounds.count ? qmlNumber(classes.bounds[k]) : "inf"
                s += "          <item value=\"\(upper)\" color=\"\(color.hex)\" alpha=\"255\" label=\"\(xml(classes.labels[k]))\"/>\n"
            }
            s += "        </colorrampshader>\n      </rastershader>\n    </rasterrenderer>\n"
        case .single(let fill, _):
            s += "    <rasterrenderer type=\"singlebandpseudocolor\" band=\"1\" opacity=\"1\" alphaBand=\"-1\" nodataColor=\"\">\n"
            s += "      <rasterTransparency/>\n      <rastershader>\n        <colorrampshader colorRampType=\"DISCRETE\" classificationMode=\"1\" clip=\"0\">\n"
            s += "          <item value=\"inf\" color=\"\((fill ?? .grey).hex)\" alpha=\"255\" label=\"\(xml(name))\"/>\n"
            s += "        </colorrampshader>\n      </rastershader>\n    </rasterrenderer>\n"
        }
        return s + "  </pipe>\n"
    }

    private var vectorQML: String {
        var symbols: [String] = []
        var s: String
        switch rule {
        case .categories(let cats):
            s = "  <renderer-v2 type=\"categorizedSymbol\" attr=\"\(xml(field))\" symbollevels=\"0\" forceraster=\"0\" enableorderby=\"0\">\n    <categories>\n"
            for (k, c) in cats.enumerated() {
                s += "      <category render=\"true\" symbol=\"\(k)\" value=\"\(c.value)\" label=\"\(xml(c.label))\"/>\n"
                symbols.append(qmlSymbol(name: "\(k)", fill: c.color, stroke: nil))
            }
            s += "    </categories>\n"
        case .classes(let classes):
            s = "  <renderer-v2 type=\"graduatedSymbol\" attr=\"\(xml(field))\" graduatedMethod=\"GraduatedColor\" symbollevels=\"0\" forceraster=\"0\" enableorderby=\"0\">\n    <ranges>\n"
            for (k, color) in classes.colors.enumerated() {
                let lower = k == 0 ? "-inf" : qmlNumber(classes.bounds[k - 1]), upper = k < classes.bounds.count ? qmlNumber(classes.bounds[k]) : "inf"
                s += "      <range render=\"true\" symbol=\"\(k)\" lower=\"\(lower)\" upper=\"\(upper)\" label=\"\(xml(classes.labels[k]))\"/>\n"
                symbols.append(qmlSymbol(name: "\(k)", fill: color, stroke: Self.outline))
            }
            s += "    </ranges>\n"
        case .single(let fill, let stroke):
            s = "  <renderer-v2 type=\"singleSymbol\" symbollevels=\"0\" forceraster=\"0\" enableorderby=\"0\">\n"
            symbols.append(qmlSymbol(name: "0", fill: fill, stroke: stroke))
        }
        s += "    <symbols>\n" + symbols.joined() + "    </symbols>\n  </renderer-v2>\n"
        return s
    }

    /// A symbol; a polygon without `stroke` has no outline (classes that tile the plane).
    private func qmlSymbol(name: String, fill: Color?, stroke: Color?) -> String {
        func option(_ k: String, _ v: String) -> String { "            <Option type=\"QString\" name=\"\(k)\" value=\"\(v)\"/>\n" }
        let rgba = { (c: Color, a: Double) in "\(Int((c.r * 255).rounded())),\(Int((c.g * 255).rounded())),\(Int((c.b * 255).rounded())),\(Int((a * 255).rounded()))" }
        var s = ""
        switch geometry {
        case .point:
            s = "      <symbol type=\"marker\" name=\"\(name)\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\n        <layer class=\"SimpleMarker\" enabled=\"1\" locked=\"0\" pass=\"0\">\n          <Option type=\"Map\">\n"
            s += option("name", "circle") + option("color", rgba(fill ?? .white, 1)) + option("outline_color", rgba(stroke ?? .black, 1))
            s += option("outline_width", "0.2") + option("size", "2.4") + option("size_unit", "MM")
        case .line:
            s = "      <symbol type=\"line\" name=\"\(name)\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\n        <layer class=\"SimpleLine\" enabled=\"1\" locked=\"0\" pass=\"0\">\n          <Option type=\"Map\">\n"
            s += option("line_color", rgba(stroke ?? .black, 1)) + option("line_width", "0.4") + option("line_width_unit", "MM")
        case .polygon, .raster:
            s = "      <symbol type=\"fill\" name=\"\(name)\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\n        <layer class=\"SimpleFill\" enabled=\"1\" locked=\"0\" pass=\"0\">\n          <Option type=\"Map\">\n"
            s += option("color", rgba(fill ?? .white, fill == nil ? 0 : opacity)) + option("style", fill == nil ? "no" : "solid")
            s += option("outline_color", rgba(stroke ?? fill ?? .black, 1)) + option("outline_style", stroke == nil ? "no" : "solid")
            s += option("outline_width", "0.15") + option("outline_width_unit", "MM")
        }
        return s + "          </Option>\n        </layer>\n      </symbol>\n"
    }

    // MARK: SLD

    /// An OGC Styled Layer Descriptor 1.0 document.
    public var sld: String {
        var s = """
        <?xml version="1.0" encoding="UTF-8"?>
        <StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" \
        xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
        xsi:schemaLocation="http://www.opengis.net/sld http://schemas.opengis.net/sld/1.0.0/StyledLayerDescriptor.xsd">
          <NamedLayer>
            <Name>\(xml(name))</Name>
            <UserStyle>
              <Name>\(xml(name))</Name>
              <FeatureTypeStyle>

        """
        if geometry == .raster {
            s += "        <Rule>\n          <RasterSymbolizer>\n            <Opacity>1</Opacity>\n"
            switch rule {
            case .categories(let cats):
                s += "            <ColorMap type=\"values\">\n"
                for c in cats { s += "              <ColorMapEntry color=\"\(c.color.hex)\" quantity=\"\(c.value)\" label=\"\(xml(c.label))\"/>\n" }
            case .classes(let classes):
                s += "            <ColorMap type=\"intervals\">\n"
                for (k, color) in classes.colors.enumerated() {
                    let upper = k < classes.bounds.count ? qmlNumber(classes.bounds[k]) : "1e308"
                    s += "              <ColorMapEntry color=\"\(color.hex)\" quantity=\"\(upper)\" label=\"\(xml(classes.labels[k]))\"/>\n"
                }
            case .single(let fill, _):
                s += "            <ColorMap type=\"intervals\">\n              <ColorMapEntry color=\"\((fill ?? .grey).hex)\" quantity=\"1e308\" label=\"\(xml(name))\"/>\n"
            }
            s += "            </ColorMap>\n          </RasterSymbolizer>\n        </Rule>\n"
        } else {
            switch rule {
            case .categories(let cats):
                for c in cats {
                    s += sldRule(title: c.label, filter: "<ogc:PropertyIsEqualTo><ogc:PropertyName>\(xml(field))</ogc:PropertyName><ogc:Literal>\(c.value)</ogc:Literal></ogc:PropertyIsEqualTo>",
                                 fill: c.color, stroke: geometry == .polygon ? nil : Self.outline)
                }
            case .classes(let classes):
                for (k, color) in classes.colors.enumerated() {
                    var parts: [String] = []
                    if k > 0 { parts.append("<ogc:PropertyIsGreaterThan><ogc:PropertyName>\(xml(field))</ogc:PropertyName><ogc:Literal>\(qmlNumber(classes.bounds[k - 1]))</ogc:Literal></ogc:PropertyIsGreaterThan>") }
                    if k < classes.bounds.count { parts.append("<ogc:PropertyIsLessThanOrEqualTo><ogc:PropertyName>\(xml(field))</ogc:PropertyName><ogc:Literal>\(qmlNumber(classes.bounds[k]))</ogc:Literal></ogc:PropertyIsLessThanOrEqualTo>") }
                    s += sldRule(title: classes.labels[k], filter: parts.count == 2 ? "<ogc:And>\(parts.joined())</ogc:And>" : parts.joined(), fill: color, stroke: Self.outline)
                }
            case .single(let fill, let stroke):
                s += sldRule(title: name, filter: nil, fill: fill, stroke: stroke)
            }
        }
        return s + "      </FeatureTypeStyle>\n    </UserStyle>\n  </NamedLayer>\n</StyledLayerDescriptor>\n"
    }

    private func sldRule(title: String, filter: String?, fill: Color?, stroke: Color?) -> String {
        var s = "        <Rule>\n          <Name>\(xml(title))</Name>\n          <Title>\(xml(title))</Title>\n"
        if let filter { s += "          <ogc:Filter>\(filter)</ogc:Filter>\n" }
        let fillXML = fill.map { "<Fill><CssParameter name=\"fill\">\($0.hex)</CssParameter><CssParameter name=\"fill-opacity\">\(geometry == .point ? "1" : qmlNumber(opacity))</CssParameter></Fill>" } ?? ""
        let strokeXML = stroke.map { "<Stroke><CssParameter name=\"stroke\">\($0.hex)</CssParameter><CssParameter name=\"stroke-width\">0.5</CssParameter></Stroke>" } ?? ""
        switch geometry {
        case .point:
            s += "          <PointSymbolizer><Graphic><Mark><WellKnownName>circle</WellKnownName>\(fillXML)\(strokeXML)</Mark><Size>8</Size></Graphic></PointSymbolizer>\n"
        case .line:
            s += "          <LineSymbolizer>\(strokeXML)</LineSymbolizer>\n"
        case .polygon, .raster:
            s += "          <PolygonSymbolizer>\(fillXML)\(strokeXML)</PolygonSymbolizer>\n"
        }
        return s + "        </Rule>\n"
    }

    static let outline = Color(0.35, 0.35, 0.35)
}

/// Text as XML character data or an attribute value.
func xml(_ s: String) -> String {
    var out = ""
    for c in s.unicodeScalars {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default: out.unicodeScalars.append(c)
        }
    }
    return out
}

/// A number as a style writes it: shortest round-trip text, no exponent for ordinary sizes.
func qmlNumber(_ v: Double) -> String {
    if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
    return "\(v)"
}
