<?xml version="1.0" encoding="UTF-8"?>
<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/sld http://schemas.opengis.net/sld/1.0.0/StyledLayerDescriptor.xsd">
  <NamedLayer>
    <Name>risk_zones</Name>
    <UserStyle>
      <Name>risk_zones</Name>
      <FeatureTypeStyle>
        <Rule>
          <Name>I 高 (highest)</Name>
          <Title>I 高 (highest)</Title>
          <ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>level</ogc:PropertyName><ogc:Literal>1</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>
          <PolygonSymbolizer><Fill><CssParameter name="fill">#bd0026</CssParameter><CssParameter name="fill-opacity">1</CssParameter></Fill></PolygonSymbolizer>
        </Rule>
        <Rule>
          <Name>II 较高</Name>
          <Title>II 较高</Title>
          <ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>level</ogc:PropertyName><ogc:Literal>2</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>
          <PolygonSymbolizer><Fill><CssParameter name="fill">#f03b20</CssParameter><CssParameter name="fill-opacity">1</CssParameter></Fill></PolygonSymbolizer>
        </Rule>
        <Rule>
          <Name>III 中</Name>
          <Title>III 中</Title>
          <ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>level</ogc:PropertyName><ogc:Literal>3</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>
          <PolygonSymbolizer><Fill><CssParameter name="fill">#fd8d3c</CssParameter><CssParameter name="fill-opacity">1</CssParameter></Fill></PolygonSymbolizer>
        </Rule>
        <Rule>
          <Name>IV 较低</Name>
          <Title>IV 较低</Title>
          <ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>level</ogc:PropertyName><ogc:Literal>4</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>
          <PolygonSymbolizer><Fill><CssParameter name="fill">#fecc5c</CssParameter><CssParameter name="fill-opacity">1</CssParameter></Fill></PolygonSymbolizer>
        </Rule>
        <Rule>
          <Name>V 低 (lowest)</Name>
          <Title>V 低 (lowest)</Title>
          <ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>level</ogc:PropertyName><ogc:Literal>5</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>
          <PolygonSymbolizer><Fill><CssParameter name="fill">#ffffb2</CssParameter><CssParameter name="fill-opacity">1</CssParameter></Fill></PolygonSymbolizer>
        </Rule>
      </FeatureTypeStyle>
    </UserStyle>
  </NamedLayer>
</StyledLayerDescriptor>
