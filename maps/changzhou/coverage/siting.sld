<?xml version="1.0" encoding="UTF-8"?>
<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/sld http://schemas.opengis.net/sld/1.0.0/StyledLayerDescriptor.xsd">
  <NamedLayer>
    <Name>siting</Name>
    <UserStyle>
      <Name>siting</Name>
      <FeatureTypeStyle>
        <Rule>
          <Name>selected</Name>
          <Title>selected</Title>
          <ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>selected</ogc:PropertyName><ogc:Literal>1</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>
          <PointSymbolizer><Graphic><Mark><WellKnownName>circle</WellKnownName><Fill><CssParameter name="fill">#1a9850</CssParameter><CssParameter name="fill-opacity">1</CssParameter></Fill><Stroke><CssParameter name="stroke">#595959</CssParameter><CssParameter name="stroke-width">0.5</CssParameter></Stroke></Mark><Size>8</Size></Graphic></PointSymbolizer>
        </Rule>
        <Rule>
          <Name>candidate</Name>
          <Title>candidate</Title>
          <ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>selected</ogc:PropertyName><ogc:Literal>0</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>
          <PointSymbolizer><Graphic><Mark><WellKnownName>circle</WellKnownName><Fill><CssParameter name="fill">#bababa</CssParameter><CssParameter name="fill-opacity">1</CssParameter></Fill><Stroke><CssParameter name="stroke">#595959</CssParameter><CssParameter name="stroke-width">0.5</CssParameter></Stroke></Mark><Size>8</Size></Graphic></PointSymbolizer>
        </Rule>
      </FeatureTypeStyle>
    </UserStyle>
  </NamedLayer>
</StyledLayerDescriptor>
