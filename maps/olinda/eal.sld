<?xml version="1.0" encoding="UTF-8"?>
<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/sld http://schemas.opengis.net/sld/1.0.0/StyledLayerDescriptor.xsd">
  <NamedLayer>
    <Name>eal</Name>
    <UserStyle>
      <Name>eal</Name>
      <FeatureTypeStyle>
        <Rule>
          <RasterSymbolizer>
            <Opacity>1</Opacity>
            <ColorMap type="intervals">
              <ColorMapEntry color="#ffffb2" quantity="1" label="≤ 1 BRL/yr"/>
              <ColorMapEntry color="#fed976" quantity="10" label="1 – 10 BRL/yr"/>
              <ColorMapEntry color="#feb24c" quantity="100" label="10 – 100 BRL/yr"/>
              <ColorMapEntry color="#fd8d3c" quantity="1000" label="100 – 1000 BRL/yr"/>
              <ColorMapEntry color="#fc4e2a" quantity="10000" label="1000 – 10k BRL/yr"/>
              <ColorMapEntry color="#e31a1c" quantity="100000" label="10k – 100k BRL/yr"/>
              <ColorMapEntry color="#b10026" quantity="1e308" label="&gt; 100k BRL/yr"/>
            </ColorMap>
          </RasterSymbolizer>
        </Rule>
      </FeatureTypeStyle>
    </UserStyle>
  </NamedLayer>
</StyledLayerDescriptor>
