<?xml version="1.0" encoding="UTF-8"?>
<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/sld http://schemas.opengis.net/sld/1.0.0/StyledLayerDescriptor.xsd">
  <NamedLayer>
    <Name>risk_index</Name>
    <UserStyle>
      <Name>risk_index</Name>
      <FeatureTypeStyle>
        <Rule>
          <RasterSymbolizer>
            <Opacity>1</Opacity>
            <ColorMap type="intervals">
              <ColorMapEntry color="#ffffb2" quantity="0.12400848865509033" label="≤ 0.124"/>
              <ColorMapEntry color="#fecc5c" quantity="0.24801697731018066" label="0.124 – 0.248"/>
              <ColorMapEntry color="#fd8d3c" quantity="0.372025465965271" label="0.248 – 0.372"/>
              <ColorMapEntry color="#f03b20" quantity="0.4960339546203613" label="0.372 – 0.496"/>
              <ColorMapEntry color="#bd0026" quantity="1e308" label="&gt; 0.496"/>
            </ColorMap>
          </RasterSymbolizer>
        </Rule>
      </FeatureTypeStyle>
    </UserStyle>
  </NamedLayer>
</StyledLayerDescriptor>
