<?xml version="1.0" encoding="UTF-8"?>
<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/sld http://schemas.opengis.net/sld/1.0.0/StyledLayerDescriptor.xsd">
  <NamedLayer>
    <Name>geological_hazard_index</Name>
    <UserStyle>
      <Name>geological_hazard_index</Name>
      <FeatureTypeStyle>
        <Rule>
          <RasterSymbolizer>
            <Opacity>1</Opacity>
            <ColorMap type="intervals">
              <ColorMapEntry color="#f2f0f7" quantity="-11.388401440211705" label="≤ -11.39"/>
              <ColorMapEntry color="#dadaeb" quantity="-7.765780312674386" label="-11.39 – -7.77"/>
              <ColorMapEntry color="#bcbddc" quantity="-4.143159185137067" label="-7.77 – -4.14"/>
              <ColorMapEntry color="#9e9ac8" quantity="-0.5205380575997491" label="-4.14 – -0.521"/>
              <ColorMapEntry color="#807dba" quantity="3.1020830699375708" label="-0.521 – 3.1"/>
              <ColorMapEntry color="#6a51a3" quantity="6.724704197474889" label="3.1 – 6.72"/>
              <ColorMapEntry color="#4a1486" quantity="1e308" label="&gt; 6.72"/>
            </ColorMap>
          </RasterSymbolizer>
        </Rule>
      </FeatureTypeStyle>
    </UserStyle>
  </NamedLayer>
</StyledLayerDescriptor>
