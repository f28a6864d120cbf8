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
              <ColorMapEntry color="#ffffb2" quantity="0.017826637253165245" label="≤ 0.0178"/>
              <ColorMapEntry color="#fecc5c" quantity="0.09151654690504074" label="0.0178 – 0.0915"/>
              <ColorMapEntry color="#fd8d3c" quantity="0.17742975056171417" label="0.0915 – 0.177"/>
              <ColorMapEntry color="#f03b20" quantity="0.27084460854530334" label="0.177 – 0.271"/>
              <ColorMapEntry color="#bd0026" quantity="1e308" label="&gt; 0.271"/>
            </ColorMap>
          </RasterSymbolizer>
        </Rule>
      </FeatureTypeStyle>
    </UserStyle>
  </NamedLayer>
</StyledLayerDescriptor>
