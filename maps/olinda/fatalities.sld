<?xml version="1.0" encoding="UTF-8"?>
<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/sld http://schemas.opengis.net/sld/1.0.0/StyledLayerDescriptor.xsd">
  <NamedLayer>
    <Name>fatalities</Name>
    <UserStyle>
      <Name>fatalities</Name>
      <FeatureTypeStyle>
        <Rule>
          <RasterSymbolizer>
            <Opacity>1</Opacity>
            <ColorMap type="intervals">
              <ColorMapEntry color="#ffffb2" quantity="1.0000000000000002e-07" label="≤ 1e-07 persons/yr"/>
              <ColorMapEntry color="#fed976" quantity="1.0000000000000002e-06" label="1e-07 – 1e-06 persons/yr"/>
              <ColorMapEntry color="#feb24c" quantity="1e-05" label="1e-06 – 1e-05 persons/yr"/>
              <ColorMapEntry color="#fd8d3c" quantity="0.0001" label="1e-05 – 0.0001 persons/yr"/>
              <ColorMapEntry color="#fc4e2a" quantity="0.001" label="0.0001 – 0.001 persons/yr"/>
              <ColorMapEntry color="#e31a1c" quantity="0.01" label="0.001 – 0.01 persons/yr"/>
              <ColorMapEntry color="#b10026" quantity="1e308" label="&gt; 0.01 persons/yr"/>
            </ColorMap>
          </RasterSymbolizer>
        </Rule>
      </FeatureTypeStyle>
    </UserStyle>
  </NamedLayer>
</StyledLayerDescriptor>
