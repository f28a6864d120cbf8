<?xml version="1.0" encoding="UTF-8"?>
<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/sld http://schemas.opengis.net/sld/1.0.0/StyledLayerDescriptor.xsd">
  <NamedLayer>
    <Name>shelters</Name>
    <UserStyle>
      <Name>shelters</Name>
      <FeatureTypeStyle>
        <Rule>
          <Name>no overflow</Name>
          <Title>no overflow</Title>
          <ogc:Filter><ogc:PropertyIsLessThanOrEqualTo><ogc:PropertyName>overflow</ogc:PropertyName><ogc:Literal>0</ogc:Literal></ogc:PropertyIsLessThanOrEqualTo></ogc:Filter>
          <PointSymbolizer><Graphic><Mark><WellKnownName>circle</WellKnownName><Fill><CssParameter name="fill">#2c7bb6</CssParameter><CssParameter name="fill-opacity">1</CssParameter></Fill><Stroke><CssParameter name="stroke">#595959</CssParameter><CssParameter name="stroke-width">0.5</CssParameter></Stroke></Mark><Size>8</Size></Graphic></PointSymbolizer>
        </Rule>
        <Rule>
          <Name>overflow ≤ 1,000 persons</Name>
          <Title>overflow ≤ 1,000 persons</Title>
          <ogc:Filter><ogc:And><ogc:PropertyIsGreaterThan><ogc:PropertyName>overflow</ogc:PropertyName><ogc:Literal>0</ogc:Literal></ogc:PropertyIsGreaterThan><ogc:PropertyIsLessThanOrEqualTo><ogc:PropertyName>overflow</ogc:PropertyName><ogc:Literal>1000</ogc:Literal></ogc:PropertyIsLessThanOrEqualTo></ogc:And></ogc:Filter>
          <PointSymbolizer><Graphic><Mark><WellKnownName>circle</WellKnownName><Fill><CssParameter name="fill">#fdae61</CssParameter><CssParameter name="fill-opacity">1</CssParameter></Fill><Stroke><CssParameter name="stroke">#595959</CssParameter><CssParameter name="stroke-width">0.5</CssParameter></Stroke></Mark><Size>8</Size></Graphic></PointSymbolizer>
        </Rule>
        <Rule>
          <Name>overflow &gt; 1,000 persons</Name>
          <Title>overflow &gt; 1,000 persons</Title>
          <ogc:Filter><ogc:PropertyIsGreaterThan><ogc:PropertyName>overflow</ogc:PropertyName><ogc:Literal>1000</ogc:Literal></ogc:PropertyIsGreaterThan></ogc:Filter>
          <PointSymbolizer><Graphic><Mark><WellKnownName>circle</WellKnownName><Fill><CssParameter name="fill">#d7191c</CssParameter><CssParameter name="fill-opacity">1</CssParameter></Fill><Stroke><CssParameter name="stroke">#595959</CssParameter><CssParameter name="stroke-width">0.5</CssParameter></Stroke></Mark><Size>8</Size></Graphic></PointSymbolizer>
        </Rule>
      </FeatureTypeStyle>
    </UserStyle>
  </NamedLayer>
</StyledLayerDescriptor>
