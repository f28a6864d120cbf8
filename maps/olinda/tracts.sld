<?xml version="1.0" encoding="UTF-8"?>
<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/sld http://schemas.opengis.net/sld/1.0.0/StyledLayerDescriptor.xsd">
  <NamedLayer>
    <Name>tracts</Name>
    <UserStyle>
      <Name>tracts</Name>
      <FeatureTypeStyle>
        <Rule>
          <Name>≤ 1 BRL/yr</Name>
          <Title>≤ 1 BRL/yr</Title>
          <ogc:Filter><ogc:PropertyIsLessThanOrEqualTo><ogc:PropertyName>eal</ogc:PropertyName><ogc:Literal>1</ogc:Literal></ogc:PropertyIsLessThanOrEqualTo></ogc:Filter>
          <PolygonSymbolizer><Fill><CssParameter name="fill">#ffffb2</CssParameter><CssParameter name="fill-opacity">0.7</CssParameter></Fill><Stroke><CssParameter name="stroke">#595959</CssParameter><CssParameter name="stroke-width">0.5</CssParameter></Stroke></PolygonSymbolizer>
        </Rule>
        <Rule>
          <Name>1 – 10 BRL/yr</Name>
          <Title>1 – 10 BRL/yr</Title>
          <ogc:Filter><ogc:And><ogc:PropertyIsGreaterThan><ogc:PropertyName>eal</ogc:PropertyName><ogc:Literal>1</ogc:Literal></ogc:PropertyIsGreaterThan><ogc:PropertyIsLessThanOrEqualTo><ogc:PropertyName>eal</ogc:PropertyName><ogc:Literal>10</ogc:Literal></ogc:PropertyIsLessThanOrEqualTo></ogc:And></ogc:Filter>
          <PolygonSymbolizer><Fill><CssParameter name="fill">#fed976</CssParameter><CssParameter name="fill-opacity">0.7</CssParameter></Fill><Stroke><CssParameter name="stroke">#595959</CssParameter><CssParameter name="stroke-width">0.5</CssParameter></Stroke></PolygonSymbolizer>
        </Rule>
        <Rule>
          <Name>10 – 100 BRL/yr</Name>
          <Title>10 – 100 BRL/yr</Title>
          <ogc:Filter><ogc:And><ogc:PropertyIsGreaterThan><ogc:PropertyName>eal</ogc:PropertyName><ogc:Literal>10</ogc:Literal></ogc:PropertyIsGreaterThan><ogc:PropertyIsLessThanOrEqualTo><ogc:PropertyName>eal</ogc:PropertyName><ogc:Literal>100</ogc:Literal></ogc:PropertyIsLessThanOrEqualTo></ogc:And></ogc:Filter>
          <PolygonSymbolizer><Fill><CssParameter name="fill">#feb24c</CssParameter><CssParameter name="fill-opacity">0.7</CssParameter></Fill><Stroke><CssParameter name="stroke">#595959</CssParameter><CssParameter name="stroke-width">0.5</CssParameter></Stroke></PolygonSymbolizer>
        </Rule>
        <Rule>
          <Name>100 – 1000 BRL/yr</Name>
          <Title>100 – 1000 BRL/yr</Title>
          <ogc:Filter><ogc:And><ogc:PropertyIsGreaterThan><ogc:PropertyName>eal</ogc:PropertyName><ogc:Literal>100</ogc:Literal></ogc:PropertyIsGreaterThan><ogc:PropertyIsLessThanOrEqualTo><ogc:PropertyName>eal</ogc:PropertyName><ogc:Literal>1000</ogc:Literal></ogc:PropertyIsLessThanOrEqualTo></ogc:And></ogc:Filter>
          <PolygonSymbolizer><Fill><CssParameter name="fill">#fd8d3c</CssParameter><CssParameter name="fill-opacity">0.7</CssParameter></Fill><Stroke><CssParameter name="stroke">#595959</CssParameter><CssParameter name="stroke-width">0.5</CssParameter></Stroke></PolygonSymbolizer>
        </Rule>
        <Rule>
          <Name>1000 – 10k BRL/yr</Name>
          <Title>1000 – 10k BRL/yr</Title>
          <ogc:Filter><ogc:And><ogc:PropertyIsGreaterThan><ogc:PropertyName>eal</ogc:PropertyName><ogc:Literal>1000</ogc:Literal></ogc:PropertyIsGreaterThan><ogc:PropertyIsLessThanOrEqualTo><ogc:PropertyName>eal</ogc:PropertyName><ogc:Literal>10000</ogc:Literal></ogc:PropertyIsLessThanOrEqualTo></ogc:And></ogc:Filter>
          <PolygonSymbolizer><Fill><CssParameter name="fill">#fc4e2a</CssParameter><CssParameter name="fill-opacity">0.7</CssParameter></Fill><Stroke><CssParameter name="stroke">#595959</CssParameter><CssParameter name="stroke-width">0.5</CssParameter></Stroke></PolygonSymbolizer>
        </Rule>
        <Rule>
          <Name>10k – 100k BRL/yr</Name>
          <Title>10k – 100k BRL/yr</Title>
          <ogc:Filter><ogc:And><ogc:PropertyIsGreaterThan><ogc:PropertyName>eal</ogc:PropertyName><ogc:Literal>10000</ogc:Literal></ogc:PropertyIsGreaterThan><ogc:PropertyIsLessThanOrEqualTo><ogc:PropertyName>eal</ogc:PropertyName><ogc:Literal>100000</ogc:Literal></ogc:PropertyIsLessThanOrEqualTo></ogc:And></ogc:Filter>
          <PolygonSymbolizer><Fill><CssParameter name="fill">#e31a1c</CssParameter><CssParameter name="fill-opacity">0.7</CssParameter></Fill><Stroke><CssParameter name="stroke">#595959</CssParameter><CssParameter name="stroke-width">0.5</CssParameter></Stroke></PolygonSymbolizer>
        </Rule>
        <Rule>
          <Name>&gt; 100k BRL/yr</Name>
          <Title>&gt; 100k BRL/yr</Title>
          <ogc:Filter><ogc:PropertyIsGreaterThan><ogc:PropertyName>eal</ogc:PropertyName><ogc:Literal>100000</ogc:Literal></ogc:PropertyIsGreaterThan></ogc:Filter>
          <PolygonSymbolizer><Fill><CssParameter name="fill">#b10026</CssParameter><CssParameter name="fill-opacity">0.7</CssParameter></Fill><Stroke><CssParameter name="stroke">#595959</CssParameter><CssParameter name="stroke-width">0.5</CssParameter></Stroke></PolygonSymbolizer>
        </Rule>
      </FeatureTypeStyle>
    </UserStyle>
  </NamedLayer>
</StyledLayerDescriptor>
